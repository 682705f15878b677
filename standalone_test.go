package vendgate_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The repository stands alone: its comments and documents cite only files inside it (docs/design.md,
// docs/sts.md, the README ...), never notes kept beside it. outsideNames are those notes' names and
// the folder that held them; they are built from parts so that this file, which is checked too,
// does not name them itself.
var outsideNames = []string{
	"DESIGN" + ".md",
	"SPEC" + ".md",
	"STYLE" + ".md",
	"FIELD" + "-NOTES",
	"DEPENDENCIES" + ".md",
	".." + "/shared",
	"/work" + "/shared",
}

// outsideCitations returns, for each line of text that names a file outside the repository, the
// line number and the name.
func outsideCitations(text string) []string {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		for _, name := range outsideNames {
			if strings.Contains(line, name) {
				out = append(out, strconv.Itoa(i+1)+": "+name)
			}
		}
	}
	return out
}

// citing reports whether a file is one whose text can cite: Go, Markdown, shell scripts, the
// Makefile and the CI entry point.
func citing(path string) bool {
	switch filepath.Ext(path) {
	case ".go", ".md", ".sh":
		return true
	}
	return filepath.Base(path) == "Makefile" || filepath.ToSlash(filepath.Dir(path)) == ".ci"
}

func TestNoOutsideCitations(t *testing.T) {
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// What is not tracked: git's own folder, other hidden folders (.ci excepted), npm's
			// packages, the server's data folder and built binaries.
			name := d.Name()
			if path != "." && ((strings.HasPrefix(name, ".") && name != ".ci") || name == "node_modules" || path == "data" || path == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !citing(path) {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, c := range outsideCitations(string(src)) {
			t.Errorf("%s:%s: cites a file outside the repository; cite the section of docs/design.md or docs/sts.md that holds the fact", path, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked %d files; want the whole repository (run from the module root)", checked)
	}
}

// TestOutsideCitationsBite proves the check flags each outside name, and leaves the repository's
// own documents and the ordinary word "shared" alone.
func TestOutsideCitationsBite(t *testing.T) {
	for _, name := range outsideNames {
		sample := "package x\n\n// The hot agent (see " + name + ", section 2).\nfunc f() {}\n"
		got := outsideCitations(sample)
		if len(got) != 1 || got[0] != "3: "+name {
			t.Errorf("a comment citing %s: got %q, want [\"3: %s\"]", name, got, name)
		}
	}
	for _, clean := range []string{
		`// The hot agent (docs/design.md, "The hot agent: batches").`,
		"// The amount field (docs/sts.md §5).",
		"Replies queued on Redis, shared by every node; see [design.md](design.md) and [sts.md](sts.md).",
		"// a shared meter would serialise them",
	} {
		if got := outsideCitations(clean); len(got) != 0 {
			t.Errorf("%q: got flagged as %q, want no citation", clean, got)
		}
	}
	if got := outsideCitations("one\ntwo\nthree " + outsideNames[0] + "\n"); len(got) != 1 || !strings.HasPrefix(got[0], "3: ") {
		t.Errorf("line numbers: got %q, want line 3", got)
	}
}
