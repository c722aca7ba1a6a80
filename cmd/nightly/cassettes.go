package main

import (
	"crypto/sha256"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
	"github.com/cachecascade/cachecascade/recorder"
)

// tree maps each regular file under a directory, by slash-separated
// relative path, to the SHA-256 of its content.
type tree map[string][32]byte

// hashTree reads a directory's files.
func hashTree(dir string) (tree, error) {
	t := tree{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		t[filepath.ToSlash(rel)] = sha256.Sum256(b)
		return nil
	})
	return t, err
}

// changedFiles lists the files that differ between two trees: changed,
// added or removed.
func changedFiles(before, after tree) []string {
	set := map[string]bool{}
	for p, h := range after {
		if b, ok := before[p]; !ok || b != h {
			set[p] = true
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			set[p] = true
		}
	}
	return sortedKeys(set)
}

// copyTree copies the regular files of src into dst, creating dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		return copyFile(p, target)
	})
}

// copyFile copies one file with atomicfile.WriteFile (mode 0644), creating
// the target's directory, so a reader never sees half a cassette.
func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(dst, b, 0o644)
}

// restoreFiles makes the named files of dir what they are in backup:
// copied back, or removed when the backup does not have them.
func restoreFiles(backup, dir string, files []string) error {
	for _, rel := range files {
		src, dst := filepath.Join(backup, filepath.FromSlash(rel)), filepath.Join(dir, filepath.FromSlash(rel))
		if _, err := os.Stat(src); os.IsNotExist(err) {
			if err := os.Remove(dst); err != nil && !os.IsNotExist(err) {
				return err
			}
			continue
		}
		if err := copyFile(src, dst); err != nil {
			return err
		}
	}
	return nil
}

// restoreAll makes dir's files what they are in backup.
func restoreAll(backup, dir string) error {
	before, err := hashTree(backup)
	if err != nil {
		return err
	}
	after, err := hashTree(dir)
	if err != nil {
		return err
	}
	return restoreFiles(backup, dir, changedFiles(before, after))
}

// rewritten maps each spec whose cassette a record run replaced to the
// cassette paths, from the backup and the cassette directory after the
// run: a file whose content changed, or a manifest entry that changed (a
// re-recording may write the same bytes, but the manifest entry gets a new
// date). Files are attributed to specs through either manifest.
func rewritten(backup, dir string, before, after tree) (map[string][]string, error) {
	old, err := recorder.ReadManifest(backup)
	if err != nil {
		return nil, err
	}
	cur, err := recorder.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	paths := map[string]bool{}
	for _, p := range changedFiles(before, after) {
		if p != recorder.ManifestFile {
			paths[p] = true
		}
	}
	for p, e := range cur.Cassettes {
		if o, ok := old.Cassettes[p]; !ok || !reflect.DeepEqual(o, e) {
			paths[p] = true
		}
	}
	out := map[string][]string{}
	for _, p := range sortedKeys(paths) {
		spec := cur.Cassettes[p].Spec
		if spec == "" {
			spec = old.Cassettes[p].Spec
		}
		out[spec] = append(out[spec], p) // "" collects files no manifest names
	}
	return out, nil
}

// restoreSpecs puts back the old cassettes of the given specs and their
// manifest entries. files maps each spec to the cassette paths its record
// run touched (see rewritten). Every entry of the manifest is typed
// (recorder.Provenance), so an entry put back is written exactly as it was,
// and restoring every spec gives back a manifest a record run wrote byte
// for byte.
func restoreSpecs(backup, dir string, specs []string, files map[string][]string) ([]string, error) {
	var paths []string
	for _, s := range specs {
		paths = append(paths, files[s]...)
	}
	sort.Strings(paths)
	if len(paths) == 0 {
		return nil, nil
	}
	if err := restoreFiles(backup, dir, paths); err != nil {
		return nil, err
	}
	old, err := recorder.ReadManifest(backup)
	if err != nil {
		return nil, err
	}
	cur, err := recorder.ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if e, ok := old.Cassettes[p]; ok {
			cur.Cassettes[p] = e
		} else {
			delete(cur.Cassettes, p)
		}
	}
	if cur.Note == "" {
		cur.Note = old.Note
	}
	return paths, recorder.WriteManifest(dir, cur)
}
