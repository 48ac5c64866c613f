package config

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Every variable docker-compose.yml sets on a SimCRM service is a setting
// SimCRM reads (so README's table, which TestREADMEListsEverySetting checks,
// explains it), and every ${VAR} it takes from .env is in .env.example.
func TestComposeFileSetsOnlyKnownSettings(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Build       any            `yaml:"build"`
			Environment map[string]any `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	known := map[string]bool{}
	for _, s := range Settings {
		known[s.Name] = true
	}
	for _, jt := range JobTypes {
		up := strings.ToUpper(jt)
		known[up+"_ATTEMPTS"], known[up+"_BACKOFF_MS"] = true, true
	}
	roles := map[string]int{}
	for name, svc := range compose.Services {
		if svc.Build == nil {
			continue // MySQL, Redis: their images' own variables
		}
		if len(svc.Environment) == 0 {
			t.Errorf("service %s builds SimCRM but sets no environment (the merged anchor was lost?)", name)
		}
		for v := range svc.Environment {
			if !known[v] {
				t.Errorf("service %s sets %s, which SimCRM does not read (not in the config table)", name, v)
			}
		}
		role, _ := svc.Environment["SIMCRM_ROLE"].(string)
		roles[role]++
		for _, must := range []string{"MYSQL_DSN", "REDIS_URL", "TOKEN_ENC_SECRET", "SESSION_SECRET", "SANDBOX_TOKEN"} {
			if _, ok := svc.Environment[must]; !ok {
				t.Errorf("service %s lacks %s (every process must share it)", name, must)
			}
		}
	}
	if roles[RoleWeb] != 1 || roles[RoleWorker] != 1 || len(roles) != 2 {
		t.Errorf("want one web and one worker service, got roles %v", roles)
	}

	example, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\$\{([A-Z0-9_]+)`).FindAllStringSubmatch(string(b), -1) {
		if !regexp.MustCompile(`(?m)^#? ?` + m[1] + `=`).Match(example) {
			t.Errorf("docker-compose.yml takes ${%s} from .env, but .env.example does not mention it", m[1])
		}
	}
}
