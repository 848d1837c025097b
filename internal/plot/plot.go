// Package plot runs gnuplot (Debian's gnuplot-nox) on a script, for the
// charts the benchmark and soak commands write next to their reports.
package plot

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Gnuplot runs gnuplot with script on its standard input. The script sets
// its own terminal and output.
func Gnuplot(ctx context.Context, script string) error {
	gp, err := exec.LookPath("gnuplot")
	if err != nil {
		return fmt.Errorf("gnuplot not found (apt-get install gnuplot-nox): %w", err)
	}
	cmd := exec.CommandContext(ctx, gp)
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("gnuplot: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Quote returns s as a gnuplot double-quoted string.
func Quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
