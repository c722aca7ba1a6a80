package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/emulator"
)

// profileError says what is wrong with -profile, a comma-separated list
// of the emulator's profiles, or returns "".
func profileError(profiles string) string {
	if profiles == "" {
		return ""
	}
	for _, p := range strings.Split(profiles, ",") {
		if _, ok := emulator.LookupProfile(strings.TrimSpace(p)); !ok {
			var names []string
			for _, q := range append(emulator.Faults(), emulator.BenignProfiles()...) {
				names = append(names, q.Name)
			}
			return fmt.Sprintf("-profile %q: no such emulator profile; want one of %s (go run ./cmd/bedrock-emulator -list)", p, strings.Join(names, ", "))
		}
	}
	return ""
}

// labelFilterError says what is wrong with -label-filter, parsed as
// Ginkgo parses it, or returns "".
func labelFilterError(filter string) string {
	if filter == "" {
		return ""
	}
	if _, err := types.ParseLabelFilter(filter); err != nil {
		return fmt.Sprintf("-label-filter %q: %s", filter, oneLine(err.Error()))
	}
	return ""
}

// checkClean stops the night before anything runs when the cassette
// directory has changes git does not have (a re-record killed before it
// could restore, a hand edit): the night backs up and restores the
// directory as it finds it, so such changes would be taken for the
// cassettes. -allow-dirty goes on, noting them in the summary. A
// directory git does not track is not checked.
func (n *nightly) checkClean(ctx context.Context) error {
	dirty, err := dirtyCassettes(ctx, n.cassettes)
	if err != nil || len(dirty) == 0 {
		return nil
	}
	shown, more := limited(dirty, 10)
	what := fmt.Sprintf("%d files in the cassette directory differ from git (%s", len(dirty), strings.Join(shown, ", "))
	if more > 0 {
		what += fmt.Sprintf(", and %d more", more)
	}
	what += ")"
	if n.allowDirty {
		n.problem(what + "; run with -allow-dirty: they were backed up and restored as they were")
		return nil
	}
	return fmt.Errorf("%s: commit them, or put the cassettes back (git checkout -- %s; git clean -fd %s), or run with -allow-dirty", what, n.cassettes, n.cassettes)
}

// dirtyCassettes lists, relative to dir and sorted, the files under dir
// that differ from git's HEAD: changed, staged, deleted or untracked (not
// ignored). A directory outside a git work tree, or no git, lists none.
func dirtyCassettes(ctx context.Context, dir string) ([]string, error) {
	git := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	if _, err := git("rev-parse", "--verify", "-q", "HEAD"); err != nil {
		return nil, nil // not a work tree with a commit: nothing to compare with
	}
	changed, err := git("diff", "--name-only", "--relative", "-z", "HEAD", "--", ".")
	if err != nil {
		return nil, err
	}
	untracked, err := git("ls-files", "--others", "--exclude-standard", "-z", "--", ".")
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, b := range [][]byte{changed, untracked} {
		for _, p := range strings.Split(string(b), "\x00") {
			if p != "" {
				set[p] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}
