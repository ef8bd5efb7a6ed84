package dap

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wdb-dev/wdb/engines"
)

// The VS Code extension declares the attributes the server reads (and
// wdbPath, which the extension reads itself: the wdb to start), and the
// engines there are.
func TestExtensionDeclaresTheLaunchAttributes(t *testing.T) {
	b, err := os.ReadFile("../vscode-ext/package.json")
	if err != nil {
		t.Fatal(err)
	}
	type props map[string]struct {
		Enum []string `json:"enum"`
	}
	var pkg struct {
		Contributes struct {
			Debuggers []struct {
				Type                    string
				ConfigurationAttributes struct {
					Launch, Attach struct{ Properties props }
				}
			}
		}
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	if len(pkg.Contributes.Debuggers) != 1 || pkg.Contributes.Debuggers[0].Type != "wdb" {
		t.Fatalf("package.json contributes %+v, want one wdb debugger", pkg.Contributes.Debuggers)
	}
	attrs := pkg.Contributes.Debuggers[0].ConfigurationAttributes
	var read []string
	ty := reflect.TypeOf(launchConfig{})
	for i := 0; i < ty.NumField(); i++ {
		if tag, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ","); tag != "" {
			read = append(read, tag)
		}
	}
	declared := append(keys(attrs.Launch.Properties), keys(attrs.Attach.Properties)...)
	declared = slices.DeleteFunc(declared, func(k string) bool { return k == "wdbPath" })
	sort.Strings(read)
	declared = slices.Compact(slices.Sorted(slices.Values(declared)))
	if !slices.Equal(read, declared) {
		t.Errorf("the server reads %v, the extension declares %v", read, declared)
	}
	for _, p := range []props{attrs.Launch.Properties, attrs.Attach.Properties} {
		if got, want := slices.Sorted(slices.Values(p["engine"].Enum)), slices.Sorted(slices.Values(engines.Names())); !slices.Equal(got, want) {
			t.Errorf("package.json offers engines %v, wdb has %v", got, want)
		}
	}
}

// The launch.json examples of the READMEs, and the extension's initial
// configurations and snippets, use attributes the extension declares.
func TestReadmeLaunchConfigurations(t *testing.T) {
	b, err := os.ReadFile("../vscode-ext/package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Contributes struct {
			Debuggers []struct {
				ConfigurationAttributes map[string]struct{ Properties map[string]any }
				InitialConfigurations   []map[string]any
				ConfigurationSnippets   []struct{ Body map[string]any }
			}
		}
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatal(err)
	}
	attrs := pkg.Contributes.Debuggers[0].ConfigurationAttributes
	check := func(where string, c map[string]any) {
		req, _ := c["request"].(string)
		if c["type"] != "wdb" || attrs[req].Properties == nil {
			t.Errorf("%s: configuration %v is not a wdb launch or attach", where, c["name"])
			return
		}
		for k := range c {
			if _, ok := attrs[req].Properties[k]; !ok && k != "type" && k != "request" && k != "name" && k != "preLaunchTask" {
				t.Errorf("%s: configuration %v has %q, which the extension does not declare for %s", where, c["name"], k, req)
			}
		}
	}
	configs := pkg.Contributes.Debuggers[0].InitialConfigurations
	for _, s := range pkg.Contributes.Debuggers[0].ConfigurationSnippets {
		configs = append(configs, s.Body)
	}
	if len(configs) < 2 {
		t.Errorf("package.json has %d initial configurations and snippets", len(configs))
	}
	for _, c := range configs {
		check("package.json", c)
	}
	for _, readme := range []string{"../README.md", "../vscode-ext/README.md"} {
		text, err := os.ReadFile(readme)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, block := range strings.Split(string(text), "```json\n")[1:] {
			block, _, _ = strings.Cut(block, "```")
			var launch struct{ Configurations []map[string]any }
			if !strings.Contains(block, `"configurations"`) {
				continue
			}
			if err := json.Unmarshal([]byte(block), &launch); err != nil {
				t.Errorf("%s: a launch.json that does not parse: %v", readme, err)
				continue
			}
			for _, c := range launch.Configurations {
				found++
				check(readme, c)
			}
		}
		if found == 0 {
			t.Errorf("%s shows no wdb launch configuration", readme)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
