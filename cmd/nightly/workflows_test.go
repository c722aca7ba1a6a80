package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	"gopkg.in/yaml.v3"

	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/matrix"
)

// The workflows are checked offline: they parse, the fields the project
// relies on are there, and the scripts of the jobs that hold a write token
// do what they say against a local git remote and a fake gh. scripts/test
// also lints them with actionlint.

type workflow struct {
	Name        string            `yaml:"name"`
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Concurrency any               `yaml:"concurrency"`
	Env         map[string]string `yaml:"env"`
	Jobs        map[string]job    `yaml:"jobs"`
}

type job struct {
	Name           string            `yaml:"name"`
	Needs          any               `yaml:"needs"`
	If             string            `yaml:"if"`
	RunsOn         string            `yaml:"runs-on"`
	Permissions    map[string]string `yaml:"permissions"`
	TimeoutMinutes int               `yaml:"timeout-minutes"`
	Outputs        map[string]string `yaml:"outputs"`
	Strategy       struct {
		FailFast *bool `yaml:"fail-fast"`
		Matrix   struct {
			Include []map[string]string `yaml:"include"`
		} `yaml:"matrix"`
	} `yaml:"strategy"`
	Env   map[string]string `yaml:"env"`
	Steps []step            `yaml:"steps"`
}

type step struct {
	ID   string            `yaml:"id"`
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]any    `yaml:"with"`
	Env  map[string]string `yaml:"env"`
	// Shell and TimeoutMinutes are allowed, unused.
	Shell          string `yaml:"shell"`
	TimeoutMinutes int    `yaml:"timeout-minutes"`
}

func repoFile(t *testing.T, rel string) []byte {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	var w workflow
	dec := yaml.NewDecoder(strings.NewReader(string(repoFile(t, ".github/workflows/"+name))))
	dec.KnownFields(true)
	if err := dec.Decode(&w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if w.Name == "" || len(w.On) == 0 || len(w.Jobs) == 0 {
		t.Fatalf("%s: name, on and jobs are required: %+v", name, w)
	}
	for id, j := range w.Jobs {
		if j.RunsOn == "" || len(j.Steps) == 0 {
			t.Errorf("%s: job %s has no runs-on or no steps", name, id)
		}
		for i, s := range j.Steps {
			if (s.Uses == "") == (s.Run == "") {
				t.Errorf("%s: job %s step %d (%s) needs exactly one of uses and run", name, id, i, s.Name)
			}
			if s.Uses != "" && !strings.Contains(s.Uses, "@") {
				t.Errorf("%s: %s is not pinned to a version", name, s.Uses)
			}
		}
	}
	return w
}

// steps returns a workflow's steps over all jobs.
func (w workflow) steps() []step {
	var out []step
	for _, j := range w.Jobs {
		out = append(out, j.Steps...)
	}
	return out
}

func (w workflow) uses(prefix string) (step, bool) {
	for _, s := range w.steps() {
		if strings.HasPrefix(s.Uses, prefix+"@") {
			return s, true
		}
	}
	return step{}, false
}

func (w workflow) runs(substr string) (step, bool) {
	for _, s := range w.steps() {
		if strings.Contains(s.Run, substr) {
			return s, true
		}
	}
	return step{}, false
}

func TestCIWorkflow(t *testing.T) {
	w := loadWorkflow(t, "ci.yml")
	if _, ok := w.On["push"]; !ok {
		t.Error("ci.yml: not on push")
	}
	if _, ok := w.On["pull_request"]; !ok {
		t.Error("ci.yml: not on pull_request")
	}
	if _, ok := w.uses("actions/checkout"); !ok {
		t.Error("ci.yml: no checkout")
	}
	if s, ok := w.uses("actions/setup-go"); !ok || s.With["go-version-file"] != "go.mod" {
		t.Errorf("ci.yml: setup-go must read go.mod: %+v", s.With)
	}
	for _, script := range []string{"scripts/test", "scripts/verify"} {
		if _, ok := w.runs(script); !ok {
			t.Errorf("ci.yml: does not run %s", script)
		}
	}
	if s, ok := w.uses("actions/upload-artifact"); !ok || s.With["path"] != "reports/" || !strings.Contains(s.If, "always()") {
		t.Errorf("ci.yml: reports/ must be uploaded always: %+v", s)
	}
}

// find returns a job's first step that matches.
func (j job) find(match func(step) bool) (step, bool) {
	for _, s := range j.Steps {
		if match(s) {
			return s, true
		}
	}
	return step{}, false
}

func (j job) uses(prefix string) (step, bool) {
	return j.find(func(s step) bool { return strings.HasPrefix(s.Uses, prefix+"@") })
}

func (j job) runs(substr string) (step, bool) {
	return j.find(func(s step) bool { return strings.Contains(s.Run, substr) })
}

func TestNightlyWorkflow(t *testing.T) {
	w := loadWorkflow(t, "nightly.yml")
	if _, ok := w.On["schedule"]; !ok {
		t.Error("nightly.yml: no schedule")
	}
	if _, ok := w.On["workflow_dispatch"]; !ok {
		t.Error("nightly.yml: no workflow_dispatch")
	}
	crons := 0
	for _, c := range w.On["schedule"].([]any) {
		if _, ok := c.(map[string]any)["cron"]; ok {
			crons++
		}
	}
	if crons != 2 {
		t.Errorf("nightly.yml: want a daily and a weekly cron, have %d", crons)
	}
	if len(w.Permissions) != 0 {
		t.Errorf("nightly.yml: the workflow grants %v; each job asks for its own", w.Permissions)
	}
	shards := checkShardJob(t, w.Jobs["shard"])
	checkMergeJob(t, w.Jobs["merge"], shards)
	checkPullRequestJob(t, w.Jobs["pull-request"])
	checkIssueJob(t, w.Jobs["issue"])
	checkWriteActionsPinned(t, "nightly.yml", w)
	checkWriteActionsPinned(t, "sdk-upgrade.yml", loadWorkflow(t, "sdk-upgrade.yml"))
}

// readOnly reports whether a job's permissions give no write access but
// the OIDC token's.
func readOnly(j job) bool {
	for k, v := range j.Permissions {
		if v == "write" && k != "id-token" {
			return false
		}
	}
	return true
}

// checkShardJob checks the job that runs scripts/nightly on each shard and
// returns the shards' names.
func checkShardJob(t *testing.T, j job) []string {
	t.Helper()
	if len(j.Permissions) != 2 || j.Permissions["id-token"] != "write" || j.Permissions["contents"] != "read" {
		t.Errorf("nightly.yml: the shard job needs id-token: write and contents: read, nothing more: %v", j.Permissions)
	}
	if j.Strategy.FailFast == nil || *j.Strategy.FailFast {
		t.Error("nightly.yml: one shard's failure must not cancel the others (fail-fast: false)")
	}
	aws, ok := j.uses("aws-actions/configure-aws-credentials")
	if !ok || aws.With["role-to-assume"] != "${{ secrets.AWS_ROLE_ARN }}" || aws.With["aws-region"] == nil {
		t.Errorf("nightly.yml: configure-aws-credentials must assume secrets.AWS_ROLE_ARN in a region: %+v", aws.With)
	}
	if j.Env["CACHECASCADE_PROCS"] == "" || j.Env["CACHECASCADE_MODEL_CONCURRENCY"] == "" {
		t.Errorf("nightly.yml: a shard states its processes and per-model cap: %v", j.Env)
	}
	sel, ok := j.runs("!slow")
	if !ok || !strings.Contains(sel.Run, `base=""`) || sel.Env["SHARD_FILTER"] != "${{ matrix.filter }}" {
		t.Errorf("nightly.yml: the daily run must exclude slow specs and the weekly one include them, within the shard's filter: %q", sel.Run)
	}
	run, ok := j.runs("scripts/nightly --target aws --budget \"$BUDGET\" --label-filter")
	if !ok || run.ID == "" || !strings.Contains(run.Run, "|| code=$?") || run.Env["BUDGET"] != "${{ matrix.budget }}" {
		t.Errorf("nightly.yml: each shard must run scripts/nightly --target aws with its budget and label filter and go on whatever it exits: %+v", run)
	}
	// The slow (TTL) specs wait in real time against AWS; the weekly run
	// overlaps their waits over more processes, or they outlast the job.
	if !strings.Contains(sel.Run, "procs=16") || run.Env["CACHECASCADE_PROCS"] != "${{ steps.select.outputs.procs }}" {
		t.Errorf("nightly.yml: a run with slow specs must raise the processes (procs=16) and scripts/nightly must take them from the select step: %q, %v", sel.Run, run.Env)
	}
	total := 0.0
	for _, s := range j.Strategy.Matrix.Include {
		b, err := parseBudgetUSD(s["budget"])
		if err != nil || b == 0 {
			t.Errorf("nightly.yml: shard %s has no budget (%v)", s["shard"], err)
		}
		total += b
	}
	if total != nightBudgetUSD {
		t.Errorf("nightly.yml: the shards' budgets add up to $%g, not the night's $%g", total, nightBudgetUSD)
	}
	up, ok := j.uses("actions/upload-artifact")
	if !ok || !strings.Contains(up.If, "always()") || up.With["path"] != "reports/nightly/" || up.With["name"] != "nightly-shard-${{ matrix.shard }}" {
		t.Errorf("nightly.yml: each shard must upload reports/nightly/ (its report and re-recorded cassettes) always: %+v", up)
	}
	var names []string
	for _, s := range j.Strategy.Matrix.Include {
		if s["shard"] == "" || s["filter"] == "" {
			t.Errorf("nightly.yml: a shard needs a name and a filter: %v", s)
		}
		names = append(names, s["shard"])
	}
	checkShardsPartitionModels(t, j.Strategy.Matrix.Include)
	return names
}

// checkShardsPartitionModels evaluates each shard's label filter on every
// model of the catalog: each model is in exactly one shard, so the shards
// together run the whole matrix, no two re-record one cassette, and the
// per-model cap of each holds for the account.
func checkShardsPartitionModels(t *testing.T, shards []map[string]string) {
	t.Helper()
	for _, m := range matrix.Default().Models {
		labels := []string{"family:" + string(m.Family), "generation:" + string(m.Family) + "-" + m.Generation, "model:" + m.Key}
		var in []string
		for _, s := range shards {
			match, err := types.ParseLabelFilter(s["filter"])
			if err != nil {
				t.Fatalf("nightly.yml: shard %s: %v", s["shard"], err)
			}
			if match(labels) {
				in = append(in, s["shard"])
			}
		}
		if len(in) != 1 {
			t.Errorf("nightly.yml: model %s is in shards %q, want exactly one", m.Key, in)
		}
	}
}

// nightBudgetUSD is the night's budget that nightly.yml states and splits
// over its shards.
const nightBudgetUSD = 40.0

// checkMergeJob checks the job that merges the shards: it runs the
// repository's code with read-only access and hands the pull request job
// its artifacts.
func checkMergeJob(t *testing.T, j job, shards []string) {
	t.Helper()
	if j.Needs != "shard" || !strings.Contains(j.If, "!cancelled()") {
		t.Errorf("nightly.yml: the merge job must follow the shards, even failed ones, unless the run is cancelled: needs %v, if %q", j.Needs, j.If)
	}
	if len(j.Permissions) != 1 || j.Permissions["contents"] != "read" {
		t.Errorf("nightly.yml: the merge job runs the repository's code and must only read it: %v", j.Permissions)
	}
	if dl, ok := j.uses("actions/download-artifact"); !ok || dl.With["pattern"] != "nightly-shard-*" || dl.With["path"] != "shards/" {
		t.Errorf("nightly.yml: the merge job must download every shard's artifact into shards/: %+v", dl)
	}
	merge, ok := j.runs("scripts/nightly merge")
	if !ok || merge.ID == "" || !strings.Contains(merge.Run, "GITHUB_OUTPUT") || !strings.Contains(merge.Run, "|| code=$?") {
		t.Fatalf("nightly.yml: the merge job must run scripts/nightly merge and keep its exit status as an output: %+v", merge)
	}
	for _, name := range shards {
		if !slices.Contains(strings.Fields(merge.Run), "shards/nightly-shard-"+name) {
			t.Errorf("nightly.yml: the merge does not name shard %s, so it could not tell that shard missing", name)
		}
	}
	restore, okR := j.uses("actions/cache/restore")
	save, okS := j.uses("actions/cache/save")
	if !okR || !okS || restore.With["path"] != "history/" || save.With["path"] != "history/" || restore.With["restore-keys"] != "nightly-history-" ||
		save.With["key"] != "nightly-history-${{ github.run_id }}" || !strings.Contains(save.If, "always()") || !strings.Contains(merge.Run, "-history history/nightly-history.json") {
		t.Errorf("nightly.yml: the merge must read the last night's history and keep tonight's: restore %+v, save %+v", restore, save)
	}
	code := "steps." + merge.ID + ".outputs.code == '10'"
	verify, ok := j.runs("scripts/verify")
	if !ok || verify.ID == "" || verify.If != code {
		t.Errorf("nightly.yml: the merged cassettes must replay (scripts/verify) before a pull request: %+v", verify)
	}
	if j.Outputs["code"] != "${{ steps."+merge.ID+".outputs.code }}" || !strings.Contains(j.Outputs["verified"], "steps."+verify.ID+".outcome == 'success'") {
		t.Errorf("nightly.yml: the merge job must output its code and whether the replay passed: %v", j.Outputs)
	}
	cas, ok := j.find(func(s step) bool {
		return strings.HasPrefix(s.Uses, "actions/upload-artifact@") && s.With["name"] == "nightly-cassettes"
	})
	if !ok || cas.With["path"] != "cassettes/" || cas.If != code+" && steps."+verify.ID+".outcome == 'success'" {
		t.Errorf("nightly.yml: the merged cassettes must be uploaded on 10 after the replay: %+v", cas)
	}
	if up, ok := j.find(func(s step) bool { return s.With["name"] == "nightly-reports" }); !ok || !strings.Contains(up.If, "always()") {
		t.Error("nightly.yml: the merged report must be uploaded always")
	}
	if _, ok := j.uses("peter-evans/create-pull-request"); ok {
		t.Error("nightly.yml: the merge job must not open the pull request: it runs the repository's code")
	}
	fail := j.Steps[len(j.Steps)-1]
	if !strings.Contains(fail.If, "code != '0'") || !strings.Contains(fail.If, "code != '10'") || !strings.Contains(fail.Run, "exit 1") {
		t.Errorf("nightly.yml: the last step must fail the job on 11 to 15: %+v", fail)
	}
}

// checkPullRequestJob checks the job that opens the pull request: from
// the merge job's artifacts, on 10 after the replay, running no
// repository code and no third-party action; and runs its script, with
// git against a local remote and a fake gh, to see that it pushes the
// merged cassettes to one branch and opens one pull request with the
// summary (or updates the open one, or does nothing when no cassette
// changed).
func checkPullRequestJob(t *testing.T, j job) {
	t.Helper()
	if j.Needs != "merge" || j.If != "needs.merge.outputs.code == '10' && needs.merge.outputs.verified == 'true'" {
		t.Errorf("nightly.yml: the pull request opens on 10 after the replay only: needs %v, if %q", j.Needs, j.If)
	}
	if len(j.Permissions) != 2 || j.Permissions["contents"] != "write" || j.Permissions["pull-requests"] != "write" {
		t.Errorf("nightly.yml: the pull request job needs contents and pull-requests write, nothing more: %v", j.Permissions)
	}
	checkRunsNoRepositoryCode(t, "nightly.yml", "pull-request", j)
	if dl, ok := j.find(func(s step) bool { return s.With["name"] == "nightly-cassettes" }); !ok || dl.With["path"] != "cassettes/" {
		t.Errorf("nightly.yml: the pull request job must take the merged cassettes from the artifact: %+v", dl)
	}
	pr, ok := j.runs("gh pr create")
	if !ok {
		t.Fatal("nightly.yml: the pull request job runs no gh pr create")
	}
	for _, tc := range []struct {
		name    string
		change  bool
		open    string
		want    []string
		pushed  bool
		notWant string
	}{
		{"new", true, "", []string{"pr create --base main --head nightly/re-recorded-cassettes", "--body-file nightly-reports/nightly/summary.md", "--label cassettes"}, true, "pr edit"},
		{"open", true, "OPEN", []string{"pr edit nightly/re-recorded-cassettes", "--body-file nightly-reports/nightly/summary.md"}, true, "pr create"},
		{"unchanged", false, "", nil, false, "pr "},
	} {
		t.Run("pull request "+tc.name, func(t *testing.T) {
			dir, remote := t.TempDir(), t.TempDir()
			git := func(args ...string) string {
				t.Helper()
				cmd := exec.Command("git", args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
				return string(out)
			}
			if out, err := exec.Command("git", "init", "--quiet", "--bare", remote).CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			git("init", "--quiet", "-b", "main")
			writeFile(t, filepath.Join(dir, "cassettes", "a.yaml"), "old\n")
			git("add", ".")
			git("commit", "--quiet", "-m", "init")
			git("remote", "add", "origin", remote)
			if tc.change {
				writeFile(t, filepath.Join(dir, "cassettes", "a.yaml"), "new\n")
			}
			writeFile(t, filepath.Join(dir, "nightly-reports", "nightly", "summary.md"), "# cachecascade nightly\n")
			writeFile(t, filepath.Join(dir, "bin", "gh"), "#!/bin/sh\necho \"$*\" >> \"$GH_LOG\"\ncase \"$1 $2\" in \"pr view\") echo \"$OPEN\" ;; esac\n")
			if err := os.Chmod(filepath.Join(dir, "bin", "gh"), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", "-e", "-c", pr.Run)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"), "GH_LOG="+filepath.Join(dir, "log"),
				"OPEN="+tc.open, "GH_TOKEN=ghs_faketoken", "BASE=main", "RUN_ID=42")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("nightly.yml: the pull request step fails: %v\n%s", err, out)
			}
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			for _, w := range tc.want {
				if !strings.Contains(string(log), w) {
					t.Errorf("nightly.yml: the step ran gh:\n%s\nwant %q", log, w)
				}
			}
			if tc.notWant != "" && strings.Contains(string(log), tc.notWant) {
				t.Errorf("nightly.yml: the step ran gh:\n%s\nand must not run %q", log, tc.notWant)
			}
			out, _ := exec.Command("git", "--git-dir", remote, "show", "nightly/re-recorded-cassettes:cassettes/a.yaml").CombinedOutput()
			if pushed := string(out) == "new\n"; pushed != tc.pushed {
				t.Errorf("nightly.yml: the branch on the remote holds %q; want the new cassette pushed: %v", out, tc.pushed)
			}
			if cfg := readFile(t, filepath.Join(dir, ".git", "config")); strings.Contains(cfg, "ghs_faketoken") || strings.Contains(cfg, "extraheader") {
				t.Errorf("nightly.yml: the token was left in .git/config:\n%s", cfg)
			}
		})
	}
}

// checkRunsNoRepositoryCode checks that a job holding a write token runs
// none of the repository's code (no checkout-and-run of scripts/, no Go)
// and no third-party action: only GitHub's own actions and its gh CLI.
func checkRunsNoRepositoryCode(t *testing.T, name, id string, j job) {
	t.Helper()
	for _, s := range j.Steps {
		repo, _, _ := strings.Cut(s.Uses, "@")
		switch {
		case s.Uses != "" && !strings.HasPrefix(repo, "actions/"):
			t.Errorf("%s: job %s holds a write token and uses the third-party action %s", name, id, s.Uses)
		case strings.HasPrefix(repo, "actions/setup-go"), strings.Contains(s.Run, "scripts/"), strings.Contains(s.Run, "go "), strings.Contains(s.Run, "make"):
			t.Errorf("%s: job %s holds a write token and must run no repository code: %+v", name, id, s)
		}
	}
}

// checkIssueJob checks the job that opens or updates the nightly-failure
// issue on exits 11 to 15, and runs its script against a fake gh.
func checkIssueJob(t *testing.T, j job) {
	t.Helper()
	if j.Needs != "merge" || !strings.Contains(j.If, "needs.merge.outputs.code != '0'") || !strings.Contains(j.If, "needs.merge.outputs.code != '10'") || !strings.Contains(j.If, "!cancelled()") {
		t.Errorf("nightly.yml: the issue job must run on every exit but 0 and 10: if %q", j.If)
	}
	if len(j.Permissions) != 1 || j.Permissions["issues"] != "write" {
		t.Errorf("nightly.yml: the issue job needs issues: write, nothing more: %v", j.Permissions)
	}
	s, ok := j.runs("gh issue")
	if !ok {
		t.Fatal("nightly.yml: the issue job runs no gh issue")
	}
	for _, open := range []string{"", "7"} {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "bin", "gh"), "#!/bin/sh\necho \"$*\" >> \"$GH_LOG\"\ncase \"$1 $2\" in \"issue list\") echo \"$OPEN\" ;; esac\n")
		if err := os.Chmod(filepath.Join(dir, "bin", "gh"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "nightly-reports", "nightly", "summary.md"), "# cachecascade nightly: 3 of 9 specs differ\n")
		cmd := exec.Command("bash", "-c", s.Run)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PATH="+filepath.Join(dir, "bin")+":"+os.Getenv("PATH"), "GH_LOG="+filepath.Join(dir, "log"), "OPEN="+open, "CODE=13", "RUN_URL=https://example/run/1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nightly.yml: the issue step fails: %v\n%s", err, out)
		}
		log := readFile(t, filepath.Join(dir, "log"))
		want := "issue create --title Nightly exited 13: a human must look --label nightly-failure --body-file nightly-reports/nightly/summary.md"
		if open != "" {
			want = "issue comment 7 --body-file nightly-reports/nightly/summary.md"
		}
		if !strings.Contains(log, want) {
			t.Errorf("nightly.yml: with open issue %q the step ran:\n%s\nwant %q", open, log, want)
		}
	}
}

// checkWriteActionsPinned checks that every third-party action (not
// actions/*) in a job that holds a write token is pinned by a full commit
// SHA. (The workflows hold none: their write steps use git and gh.)
func checkWriteActionsPinned(t *testing.T, name string, w workflow) {
	t.Helper()
	for id, j := range w.Jobs {
		perms := j.Permissions
		if perms == nil {
			perms = w.Permissions
		}
		if readOnly(job{Permissions: perms}) {
			continue
		}
		for _, s := range j.Steps {
			repo, ref, _ := strings.Cut(s.Uses, "@")
			if s.Uses != "" && !strings.HasPrefix(repo, "actions/") && !shaRef.MatchString(ref) {
				t.Errorf("%s: job %s holds a write token and uses %s by tag: pin it by commit SHA", name, id, s.Uses)
			}
		}
	}
}

// shaRef matches a full commit SHA.
var shaRef = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestSDKUpgradeWorkflow(t *testing.T) {
	w := loadWorkflow(t, "sdk-upgrade.yml")
	pr, ok := w.On["pull_request"].(map[string]any)
	if !ok {
		t.Fatal("sdk-upgrade.yml: not on pull_request")
	}
	var paths []string
	for _, p := range pr["paths"].([]any) {
		paths = append(paths, p.(string))
	}
	if strings.Join(paths, ",") != "go.mod,go.sum" {
		t.Errorf("sdk-upgrade.yml: paths = %q", paths)
	}
	for _, j := range w.Jobs {
		if !strings.Contains(j.If, "dependabot[bot]") {
			t.Errorf("sdk-upgrade.yml: the job must run for Dependabot's pull requests: if = %q", j.If)
		}
	}
	if len(w.Permissions) != 1 || w.Permissions["contents"] != "read" {
		t.Errorf("sdk-upgrade.yml: the workflow's token must be read-only: %v", w.Permissions)
	}
	if check := w.Jobs["sdk-upgrade"]; check.Permissions != nil {
		t.Errorf("sdk-upgrade.yml: the job that runs the pull request's code must keep the read-only token: %v", check.Permissions)
	}
	comment := w.Jobs["comment"]
	if len(comment.Permissions) != 1 || comment.Permissions["pull-requests"] != "write" || comment.Needs != "sdk-upgrade" {
		t.Errorf("sdk-upgrade.yml: the comment job needs the check and pull-requests: write, nothing more: needs %v, %v", comment.Needs, comment.Permissions)
	}
	checkRunsNoRepositoryCode(t, "sdk-upgrade.yml", "comment", comment)
	if _, ok := comment.uses("actions/checkout"); ok {
		t.Error("sdk-upgrade.yml: the comment job must not check out the pull request")
	}
	ver, ok := w.runs("bedrockruntime")
	if !ok || !strings.Contains(ver.Run, "go.mod") || ver.ID == "" {
		t.Errorf("sdk-upgrade.yml: no step reads the bedrockruntime version from go.mod")
	}
	sdk, ok := w.runs("scripts/sdk-upgrade")
	if !ok || !strings.Contains(sdk.Run, "reports/sdk-upgrade.md") || !strings.Contains(sdk.Env["VERSION"], "steps."+ver.ID+".outputs.version") {
		t.Errorf("sdk-upgrade.yml: scripts/sdk-upgrade must get the version: %+v", sdk)
	}
	c, ok := comment.runs("gh pr comment")
	if !ok {
		t.Fatal("sdk-upgrade.yml: the comment job runs no gh pr comment")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bin", "gh"), "#!/bin/sh\necho \"$*\" >> \"$GH_LOG\"\n")
	if err := os.Chmod(filepath.Join(dir, "bin", "gh"), 0o755); err != nil {
		t.Fatal(err)
	}
	runStep(t, c, map[string]string{"PATH": filepath.Join(dir, "bin") + ":" + os.Getenv("PATH"), "GH_LOG": filepath.Join(dir, "log"), "PR": "12"})
	if log := readFile(t, filepath.Join(dir, "log")); !strings.Contains(log, "pr comment 12 --edit-last --create-if-none --body-file reports/sdk-upgrade.md") {
		t.Errorf("sdk-upgrade.yml: the summary must be one comment, edited on every push; gh ran: %s", log)
	}
	// Issue 13: a version that could not be evaluated (v9.9.9) was
	// reported as "the upgrade changes what is sent".
	fail, ok := w.runs("::error title=sdk-upgrade")
	if !ok {
		t.Fatal("sdk-upgrade.yml: no step fails the job on a non-zero exit")
	}
	for code, want := range map[string]string{"1": "cache-affecting", "2": "could not be evaluated"} {
		out := runStep(t, fail, map[string]string{"CODE": code})
		if !strings.Contains(out, want) || code == "2" && strings.Contains(out, "changes what is sent") {
			t.Errorf("sdk-upgrade.yml: on exit %s the job says %q; want %q", code, out, want)
		}
	}
}

// runStep runs a step's script with bash and the given environment and
// returns its standard output (a step that exits 1 on purpose is not an
// error).
func runStep(t *testing.T, s step, vars map[string]string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", s.Run)
	cmd.Env = os.Environ()
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out)
}

func TestDependabot(t *testing.T) {
	var d struct {
		Version int `yaml:"version"`
		Updates []struct {
			Ecosystem string `yaml:"package-ecosystem"`
			Directory string `yaml:"directory"`
			Schedule  struct {
				Interval string `yaml:"interval"`
			} `yaml:"schedule"`
			Groups map[string]struct {
				Patterns []string `yaml:"patterns"`
			} `yaml:"groups"`
			Labels []string `yaml:"labels"`
		} `yaml:"updates"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(repoFile(t, ".github/dependabot.yml"))))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 2 {
		t.Errorf("version = %d", d.Version)
	}
	eco := map[string]bool{}
	for _, u := range d.Updates {
		eco[u.Ecosystem] = true
		if u.Schedule.Interval != "weekly" || u.Directory != "/" {
			t.Errorf("%s: schedule %q directory %q", u.Ecosystem, u.Schedule.Interval, u.Directory)
		}
		if u.Ecosystem == "gomod" {
			var all []string
			for _, g := range u.Groups {
				all = append(all, g.Patterns...)
			}
			if got := strings.Join(all, ","); got != "github.com/aws/aws-sdk-go-v2*,github.com/aws/smithy-go" {
				t.Errorf("gomod groups: %q", got)
			}
		}
	}
	if !eco["gomod"] || !eco["github-actions"] {
		t.Errorf("ecosystems: %v", eco)
	}
}
