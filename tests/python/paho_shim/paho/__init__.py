"""Test-only shim: ``paho`` resolves to Culex, so that paho-mqtt's own tests run against it."""
