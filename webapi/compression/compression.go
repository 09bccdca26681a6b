// Package compression implements CompressionStream and
// DecompressionStream (gzip, deflate, deflate-raw) and the text encoding
// streams, as TransformStreams over Go's compress packages.
package compression

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	_ "embed"
	"errors"
	"io"
	"sync"

	"github.com/verge-edge/verge/engine"
)

//go:embed compression.js
var source string

// Extension returns the compression Web API. It loads after streams.
func Extension() engine.Extension {
	return engine.Extension{
		Name:    "compression",
		Scripts: []engine.Script{{Name: "ext:compression/compression.js", Source: source}},
		Lazy:    []string{"CompressionStream", "DecompressionStream", "TextEncoderStream", "TextDecoderStream"},
		Ops: map[string]engine.Op{
			"compress_new":    opNew,
			"compress_write":  opWrite,
			"compress_finish": opFinish,
			"compress_close":  opClose,
		},
	}
}

// maxOutput bounds what one stream may decompress to, so that a small
// "zip bomb" cannot exhaust the node's memory.
const maxOutput = 1 << 30

type compressor struct {
	out bytes.Buffer
	w   io.WriteCloser
}

// decompressor feeds input through a pipe to a reader goroutine; Go's
// decompressors pull their input and cannot be resumed after running dry.
type decompressor struct {
	pw   *io.PipeWriter
	mu   sync.Mutex
	out  bytes.Buffer
	err  error
	done chan struct{}
	n    int64
}

func (d *decompressor) Close() error {
	d.pw.CloseWithError(errors.New("closed"))
	<-d.done
	return nil
}

func (c *compressor) Close() error { return c.w.Close() }

func opNew(c *engine.Call) (engine.Value, error) {
	format, err := c.String(0)
	if err != nil {
		return engine.Value{}, err
	}
	decompress := c.Bool(1)
	if format != "gzip" && format != "deflate" && format != "deflate-raw" {
		return engine.Value{}, engine.TypeError("Unsupported compression format: '%s'", format)
	}
	if !decompress {
		cp := &compressor{}
		switch format {
		case "gzip":
			cp.w = gzip.NewWriter(&cp.out)
		case "deflate":
			cp.w = zlib.NewWriter(&cp.out)
		default:
			cp.w, _ = flate.NewWriter(&cp.out, flate.DefaultCompression)
		}
		return c.VM.NewInt(int64(c.VM.AddResource(cp))), nil
	}
	pr, pw := io.Pipe()
	d := &decompressor{pw: pw, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		var r io.Reader
		var err error
		switch format {
		case "gzip":
			var g *gzip.Reader
			if g, err = gzip.NewReader(pr); err == nil {
				g.Multistream(false)
				r = g
			}
		case "deflate":
			r, err = zlib.NewReader(pr)
		default:
			r = flate.NewReader(pr)
		}
		if err == nil {
			buf := make([]byte, 32<<10)
			for {
				n, rerr := r.Read(buf)
				d.mu.Lock()
				d.out.Write(buf[:n])
				d.n += int64(n)
				over := d.n > maxOutput
				d.mu.Unlock()
				if over {
					err = errors.New("decompressed data exceeds 1 GiB")
					break
				}
				if rerr == io.EOF {
					// Trailing bytes after the end of the stream are an error.
					if extra, _ := pr.Read(buf[:1]); extra > 0 {
						err = errors.New("trailing data after the end of the compressed stream")
					}
					break
				}
				if rerr != nil {
					err = rerr
					break
				}
			}
		}
		d.mu.Lock()
		d.err = err
		d.mu.Unlock()
		pr.CloseWithError(err)
		io.Copy(io.Discard, pr)
	}()
	return c.VM.NewInt(int64(c.VM.AddResource(d))), nil
}

func resource(c *engine.Call) (int, any, error) {
	id, err := c.Int(0)
	if err != nil {
		return 0, nil, err
	}
	r, ok := c.VM.Resource(int(id))
	if !ok {
		return 0, nil, engine.TypeError("the compression stream is closed")
	}
	return int(id), r, nil
}

func (d *decompressor) take() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b := append([]byte(nil), d.out.Bytes()...)
	d.out.Reset()
	return b, d.err
}

var errCorrupt = engine.TypeError("The compressed data was not valid")

// opWrite: (id, chunk) -> output so far (ArrayBuffer).
func opWrite(c *engine.Call) (engine.Value, error) {
	_, r, err := resource(c)
	if err != nil {
		return engine.Value{}, err
	}
	in, err := c.View(1)
	if err != nil {
		return engine.Value{}, engine.TypeError("The chunk must be an ArrayBuffer or ArrayBufferView")
	}
	switch s := r.(type) {
	case *compressor:
		s.w.Write(in)
		b := append([]byte(nil), s.out.Bytes()...)
		s.out.Reset()
		return c.VM.NewBytes(b), nil
	case *decompressor:
		if _, werr := s.pw.Write(append([]byte(nil), in...)); werr != nil {
			return engine.Value{}, errCorrupt
		}
		b, derr := s.take()
		if derr != nil {
			return engine.Value{}, errCorrupt
		}
		return c.VM.NewBytes(b), nil
	}
	return engine.Value{}, engine.TypeError("not a compression stream")
}

// opFinish: (id) -> the rest of the output; closes the resource.
func opFinish(c *engine.Call) (engine.Value, error) {
	id, r, err := resource(c)
	if err != nil {
		return engine.Value{}, err
	}
	defer c.VM.CloseResource(id)
	switch s := r.(type) {
	case *compressor:
		s.w.Close()
		b := append([]byte(nil), s.out.Bytes()...)
		s.out.Reset()
		return c.VM.NewBytes(b), nil
	case *decompressor:
		s.pw.Close()
		<-s.done
		b, derr := s.take()
		if derr != nil {
			return engine.Value{}, errCorrupt
		}
		return c.VM.NewBytes(b), nil
	}
	return engine.Value{}, engine.TypeError("not a compression stream")
}

func opClose(c *engine.Call) (engine.Value, error) {
	id, _, err := resource(c)
	if err == nil {
		c.VM.CloseResource(id)
	}
	return c.VM.Undefined(), nil
}
