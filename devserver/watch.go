package devserver

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher rebuilds when a file of the bundle (or verge.toml) changes. It
// watches the folders of the bundle's inputs, since editors often replace
// a file rather than write it in place. For a project with a build
// command it watches the project's whole tree instead (watchTree).
type watcher struct {
	fs      *fsnotify.Watcher
	mu      sync.Mutex
	files   map[string]bool
	dirs    map[string]bool
	tree    string              // a folder watched whole, or ""
	skip    func(string) bool   // paths under tree that are not watched
	sums    map[string][32]byte // content of tree files when last seen
	rebuild func()
	done    chan struct{}
	wg      sync.WaitGroup
}

// debounce merges the bursts of events one save makes.
const debounce = 60 * time.Millisecond

func newWatcher(configDir string, rebuild func(), printf func(string, ...any)) (*watcher, error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("file watcher: %w", err)
	}
	w := &watcher{fs: fsw, files: map[string]bool{}, dirs: map[string]bool{}, sums: map[string][32]byte{},
		rebuild: rebuild, done: make(chan struct{})}
	if configDir != "" {
		w.watch([]string{filepath.Join(configDir, "verge.toml")})
	}
	w.wg.Add(1)
	go w.loop(printf)
	return w, nil
}

// watch adds files (absolute paths) to the watched set.
func (w *watcher) watch(files []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range files {
		if strings.Contains(f, string(filepath.Separator)+"node_modules"+string(filepath.Separator)) {
			continue // dependencies change by npm install, not by edits
		}
		w.files[filepath.Clean(f)] = true
		dir := filepath.Dir(f)
		if !w.dirs[dir] {
			if err := w.fs.Add(dir); err == nil {
				w.dirs[dir] = true
			}
		}
	}
}

// watchTree watches every file under root, including folders made later,
// except the paths skip reports.
func (w *watcher) watchTree(root string, skip func(string) bool) {
	w.mu.Lock()
	w.tree, w.skip = filepath.Clean(root), skip
	w.mu.Unlock()
	w.addTree(root)
}

// addTree watches dir and the folders under it that are in the tree, and
// notes the content of the files it has not seen yet, reporting whether
// there were any.
func (w *watcher) addTree(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // gone already
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		_, seen := w.sums[path]
		switch {
		case !w.inTree(path) && d.IsDir():
			return filepath.SkipDir
		case !w.inTree(path):
		case d.IsDir():
			if !w.dirs[path] {
				if err := w.fs.Add(path); err == nil {
					w.dirs[path] = true
				}
			}
		case !seen:
			// Only unseen files: an edit made during a build may still
			// wait in the event queue, and must count as a change then.
			if sum, ok := fileSum(path); ok {
				w.sums[path] = sum
				found = true
			}
		}
		return nil
	})
	return found
}

// inTree reports whether path is under the watched tree and not skipped.
// Call it with mu held.
func (w *watcher) inTree(path string) bool {
	if w.tree == "" {
		return false
	}
	rel, err := filepath.Rel(w.tree, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	return rel == "." || !w.skip(path)
}

// watched reports whether name is a watched file or in the watched tree.
func (w *watcher) watched(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.files[name] || w.inTree(name)
}

// changed reports whether the watched path differs from when it was last
// seen, noting what it is now. For tree files it compares content: events
// alone are not enough, since a build that rewrites a file with the same
// bytes (code generators do) would start another build, forever. A new
// folder of the tree has changed when it brought files.
func (w *watcher) changed(path string) bool {
	w.mu.Lock()
	file := w.files[path]
	w.mu.Unlock()
	if file {
		return true
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return w.addTree(path)
	}
	sum, ok := fileSum(path)
	w.mu.Lock()
	defer w.mu.Unlock()
	old, seen := w.sums[path]
	if !ok {
		delete(w.sums, path)
		return seen
	}
	w.sums[path] = sum
	return !seen || sum != old
}

// maxHashed bounds the files whose content is hashed; larger ones are
// compared by size and modification time.
const maxHashed = 16 << 20

// fileSum identifies the content of a regular file; false for anything
// else, or a file that is gone.
func fileSum(path string) ([32]byte, bool) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return [32]byte{}, false
	}
	if st.Size() > maxHashed {
		return sha256.Sum256(fmt.Appendf(nil, "%d %d", st.Size(), st.ModTime().UnixNano())), true
	}
	f, err := os.Open(path)
	if err != nil {
		return [32]byte{}, false
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return [32]byte{}, false
	}
	return [32]byte(h.Sum(nil)), true
}

// buildOutput returns the skip function of a built project in dir whose
// build writes main. Changes there must not start a build: main and the
// folder the build writes it under (target/ for cargo) would rebuild
// forever, as would the file verge dev's output goes to (out, when it is
// a file in the folder); hidden entries (.git, .verge where verge dev
// keeps KV data) and node_modules are not sources.
func buildOutput(dir, main string, out io.Writer) func(string) bool {
	var own os.FileInfo
	if f, ok := out.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			own = st
		}
	}
	outDir := ""
	if rel, err := filepath.Rel(dir, main); err == nil {
		if first, _, nested := strings.Cut(filepath.ToSlash(rel), "/"); nested && first != ".." {
			outDir = filepath.Join(dir, first)
		}
	}
	return func(path string) bool {
		if path == main || path == outDir || (outDir != "" && strings.HasPrefix(path, outDir+string(filepath.Separator))) {
			return true
		}
		if own != nil {
			if st, err := os.Stat(path); err == nil && os.SameFile(st, own) {
				return true
			}
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return true
		}
		for part := range strings.SplitSeq(filepath.ToSlash(rel), "/") {
			if part == "node_modules" || (strings.HasPrefix(part, ".") && part != "." && part != "..") {
				return true
			}
		}
		return false
	}
}

func (w *watcher) loop(printf func(string, ...any)) {
	defer w.wg.Done()
	var timer *time.Timer
	var fire <-chan time.Time
	// pending are the paths with events since the last rebuild; whether
	// they changed is decided when the burst is over, so that a file
	// truncated then written is seen whole.
	pending := map[string]bool{}
	// arm (re)starts the debounce: the burst is over when it fires.
	arm := func() {
		if timer == nil {
			timer = time.NewTimer(debounce)
		} else {
			timer.Reset(debounce)
		}
		fire = timer.C
	}
	for {
		select {
		case <-w.done:
			if timer != nil {
				timer.Stop()
			}
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			name := filepath.Clean(ev.Name)
			if ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) == 0 || !w.watched(name) {
				continue
			}
			pending[name] = true
			arm()
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// The kernel dropped events (a busy machine, a big
				// checkout): look at everything watched instead.
				for _, name := range w.all() {
					pending[name] = true
				}
				arm()
				continue
			}
			printf("▲ file watcher: %v\n", err)
		case <-fire:
			fire = nil
			changed := false
			for name := range pending {
				changed = w.changed(name) || changed // note every file's content
			}
			clear(pending)
			if changed {
				w.rebuild()
			}
		}
	}
}

// all returns every watched path: the files, and the tree's root (whose
// walk finds files it has not seen) and files.
func (w *watcher) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var names []string
	for f := range w.files {
		names = append(names, f)
	}
	if w.tree != "" {
		names = append(names, w.tree)
		for f := range w.sums {
			names = append(names, f)
		}
	}
	return names
}

func (w *watcher) close() {
	close(w.done)
	w.fs.Close()
	w.wg.Wait()
}
