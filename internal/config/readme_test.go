package config

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table must list every setting with its default.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, s := range Settings {
		def := "(unset)"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		row := "| `" + s.Name + "` | " + def + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the row %q", row)
		}
	}
}
