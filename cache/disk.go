package cache

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// disk is the optional second tier: one file per entry under dir, named
// by the hash of its key, written to a temporary file and renamed so a
// crash never leaves a torn entry. The index lives in memory and is
// rebuilt from the files' headers on start.
type disk struct {
	dir string
	max int64
	log *slog.Logger

	mu    sync.Mutex
	size  int64
	items map[string]*list.Element // key -> *diskItem
	lru   list.List
	vary  map[string][]string
}

type diskItem struct {
	key, url string
	tags     []string
	size     int64
}

// fileMagic starts every entry file; a new layout gets a new magic and
// old files are dropped on start.
const fileMagic = "VERGE-CACHE-1\n"

type fileMeta struct {
	entry
	Vary []string
}

func openDisk(dir string, maxBytes int64, log *slog.Logger) (*disk, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cache disk tier: %w", err)
	}
	d := &disk{dir: dir, max: maxBytes, log: log, items: map[string]*list.Element{}, vary: map[string][]string{}}
	err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		if filepath.Ext(path) == ".tmp" {
			os.Remove(path) // a write that never finished
			return nil
		}
		meta, size, err := readMeta(path)
		if err != nil {
			log.Warn("cache: dropping unreadable entry", "file", path, "err", err)
			os.Remove(path)
			return nil
		}
		d.addLocked(&diskItem{key: meta.Key, url: meta.URL, tags: meta.Tags, size: size}, meta.Vary)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cache disk tier: %w", err)
	}
	d.evictLocked()
	return d, nil
}

func (d *disk) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(d.dir, h[:2], h)
}

func (d *disk) addLocked(it *diskItem, vary []string) {
	if el, ok := d.items[it.key]; ok {
		d.size -= el.Value.(*diskItem).size
		d.lru.Remove(el)
	}
	d.items[it.key] = d.lru.PushFront(it)
	d.size += it.size
	if vary != nil {
		d.vary[it.url] = vary
	}
}

// evictLocked removes least recently used files until the tier fits.
func (d *disk) evictLocked() {
	for d.size > d.max && d.lru.Len() > 0 {
		it := d.lru.Back().Value.(*diskItem)
		d.removeLocked(it.key)
	}
}

func (d *disk) removeLocked(key string) {
	el, ok := d.items[key]
	if !ok {
		return
	}
	it := el.Value.(*diskItem)
	d.lru.Remove(el)
	delete(d.items, key)
	d.size -= it.size
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.log.Warn("cache: removing entry file", "err", err)
	}
}

func (d *disk) put(e *entry, vary []string) {
	meta, err := json.Marshal(fileMeta{entry: *e, Vary: vary})
	if err != nil {
		d.log.Warn("cache: encoding entry", "err", err)
		return
	}
	var buf bytes.Buffer
	buf.Grow(len(fileMagic) + 4 + len(meta) + len(e.Body))
	buf.WriteString(fileMagic)
	binary.Write(&buf, binary.BigEndian, uint32(len(meta)))
	buf.Write(meta)
	buf.Write(e.Body)
	size := int64(buf.Len())
	if size > d.max {
		return
	}
	path := d.path(e.Key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		d.log.Warn("cache: writing entry", "err", err)
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "*.tmp")
	if err != nil {
		d.log.Warn("cache: writing entry", "err", err)
		return
	}
	_, werr := tmp.Write(buf.Bytes())
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		d.log.Warn("cache: writing entry", "err", errors.Join(werr, cerr))
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		d.log.Warn("cache: writing entry", "err", err)
		return
	}
	d.addLocked(&diskItem{key: e.Key, url: e.URL, tags: e.Tags, size: size}, vary)
	d.evictLocked()
}

func (d *disk) get(key string) *entry {
	d.mu.Lock()
	el, ok := d.items[key]
	if ok {
		d.lru.MoveToFront(el)
	}
	d.mu.Unlock()
	if !ok {
		return nil
	}
	data, err := os.ReadFile(d.path(key))
	if err != nil {
		d.drop(key, err)
		return nil
	}
	meta, body, err := decodeFile(data)
	if err != nil || meta.Key != key {
		d.drop(key, fmt.Errorf("corrupt entry file: %v", err))
		return nil
	}
	e := meta.entry
	e.Body = body
	return &e
}

func (d *disk) drop(key string, err error) {
	d.log.Warn("cache: dropping disk entry", "err", err)
	d.mu.Lock()
	d.removeLocked(key)
	d.mu.Unlock()
}

func (d *disk) varyOf(url string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.vary[url]
}

func (d *disk) purge(m matcher) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	var keys []string
	for key, el := range d.items {
		it := el.Value.(*diskItem)
		if m.match(&entry{URL: it.url, Tags: it.tags}) {
			keys = append(keys, key)
		}
	}
	for _, k := range keys {
		d.removeLocked(k)
	}
	for url := range d.vary {
		if m.matchURL(url) {
			delete(d.vary, url)
		}
	}
	return len(keys)
}

func (d *disk) stats() (int, int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.items), d.size
}

func readMeta(path string) (*fileMeta, int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	meta, _, err := decodeFile(data)
	return meta, int64(len(data)), err
}

func decodeFile(data []byte) (*fileMeta, []byte, error) {
	if !bytes.HasPrefix(data, []byte(fileMagic)) || len(data) < len(fileMagic)+4 {
		return nil, nil, errors.New("not a cache entry")
	}
	data = data[len(fileMagic):]
	n := binary.BigEndian.Uint32(data)
	data = data[4:]
	if uint64(n) > uint64(len(data)) {
		return nil, nil, errors.New("truncated cache entry")
	}
	var meta fileMeta
	if err := json.Unmarshal(data[:n], &meta); err != nil {
		return nil, nil, err
	}
	return &meta, data[n:], nil
}
