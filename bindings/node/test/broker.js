'use strict';
// A real mosquitto for the tests, on free 127.0.0.1 ports, with a configuration written here:
// a plain listener, one that wants a password, a TLS listener and one that also wants a client
// certificate. The certificates are made with the openssl command when the broker starts.

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function openssl(dir, ...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA, a server certificate for localhost and 127.0.0.1, a client certificate, and another CA.
function makeCertificates(dir) {
  const ca = (name, cn) => openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`);
  ca('ca', 'Culex Node test CA');
  ca('other', 'Some other CA');
  const leaf = (name, cn, ext) => {
    openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`,
      '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  leaf('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'culex-node-client', 'extendedKeyUsage=clientAuth\n');
  const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
  return { caFile: path.join(dir, 'ca.crt'), ca: read('ca.crt'), otherCa: read('other.crt'), cert: read('client.crt'), key: read('client.key') };
}

async function startBroker() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'culex-node-broker-'));
  const certs = makeCertificates(dir);
  const passwd = path.join(dir, 'passwd');
  execFileSync('mosquitto_passwd', ['-b', '-c', passwd, 'alice', 'secret']);
  for (let attempt = 0; attempt < 5; attempt++) {
    const [plain, auth, tls, tlsClient] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const conf = [
      'per_listener_settings true',
      'persistence false',
      // Bursts of the memory test must not be dropped for a slow subscriber.
      'max_queued_messages 200000',
      'set_tcp_nodelay true',
      `user ${os.userInfo().username}`,
      'log_dest stderr',
      'log_type error', 'log_type warning', 'log_type notice', 'log_type information',
      `listener ${plain} 127.0.0.1`, 'allow_anonymous true',
      `listener ${auth} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwd}`,
      `listener ${tls} 127.0.0.1`, 'allow_anonymous true',
      `cafile ${certs.caFile}`, `certfile ${path.join(dir, 'server.crt')}`, `keyfile ${path.join(dir, 'server.key')}`,
      `listener ${tlsClient} 127.0.0.1`, 'allow_anonymous true',
      `cafile ${certs.caFile}`, `certfile ${path.join(dir, 'server.crt')}`, `keyfile ${path.join(dir, 'server.key')}`,
      'require_certificate true',
      '',
    ].join('\n');
    const confFile = path.join(dir, 'mosquitto.conf');
    fs.writeFileSync(confFile, conf);
    const proc = spawn(process.env.MOSQUITTO || '/usr/sbin/mosquitto', ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    // mosquitto says "running" once every listener is open, and exits if a port was taken.
    const up = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 20_000);
      proc.stderr.on('data', (d) => {
        log += d;
        if (/ running/.test(log)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (up) {
      return {
        dir, certs, plain, auth, tls, tlsClient,
        url: (port = plain, scheme = 'mqtt') => `${scheme}://127.0.0.1:${port}`,
        log: () => log,
        stop: () => new Promise((resolve) => {
          proc.once('exit', () => {
            fs.rmSync(dir, { recursive: true, force: true });
            resolve();
          });
          proc.kill();
        }),
      };
    }
    proc.kill();
  }
  throw new Error(`mosquitto did not start; files in ${dir}`);
}

/** Resolves with the event's arguments, or rejects after `ms` (a failure, not a measurement). */
function once(emitter, event, ms = 20_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.removeListener(event, on);
      reject(new Error(`no '${event}' within ${ms} ms`));
    }, ms);
    const on = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, on);
  });
}

module.exports = { startBroker, once, freePort };
