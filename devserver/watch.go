package devserver

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher rebuilds when a file of the bundle (or verge.toml) changes. It
// watches the folders of the bundle's inputs, since editors often replace
// a file rather than write it in place.
type watcher struct {
	fs      *fsnotify.Watcher
	mu      sync.Mutex
	files   map[string]bool
	dirs    map[string]bool
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
	w := &watcher{fs: fsw, files: map[string]bool{}, dirs: map[string]bool{}, rebuild: rebuild, done: make(chan struct{})}
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

func (w *watcher) relevant(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.files[filepath.Clean(name)]
}

func (w *watcher) loop(printf func(string, ...any)) {
	defer w.wg.Done()
	var timer *time.Timer
	var fire <-chan time.Time
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
			if ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename|fsnotify.Remove) == 0 || !w.relevant(ev.Name) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			printf("▲ file watcher: %v\n", err)
		case <-fire:
			fire = nil
			w.rebuild()
		}
	}
}

func (w *watcher) close() {
	close(w.done)
	w.fs.Close()
	w.wg.Wait()
}
