package culex_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// The example in README.md, run as it is written (with the test broker's address).
func TestTheReadmeExampleRuns(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("no Go example in README.md")
	}
	code := strings.Replace(string(block[1]), "localhost:1883", fmt.Sprintf("127.0.0.1:%d", testBroker.plain), 1)
	here, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mod := fmt.Sprintf("module readme\n\ngo 1.19\n\nrequire culex v0.0.0\n\nreplace culex => %s\n", here)
	for name, text := range map[string]string{"go.mod": mod, "main.go": code} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	run := exec.Command(goTool, "run", ".")
	run.Dir = dir
	out, err := run.CombinedOutput()
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "demo/hello: hello from Go" {
		t.Fatalf("the example printed %q", got)
	}
}
