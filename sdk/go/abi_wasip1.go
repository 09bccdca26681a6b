//go:build wasip1

package verge

import "unsafe"

// The host functions of docs/wasm-abi.md. Pointers are offsets in linear
// memory; Go passes unsafe.Pointer as an i32.

//go:wasmimport verge req_method
func reqMethod(req uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge req_url
func reqURL(req uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge req_headers
func reqHeaders(req uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge req_info
func reqInfo(req uint32, key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge req_body_read
func reqBodyRead(req uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge resp_set_status
func respSetStatus(req uint32, status uint32) int32

//go:wasmimport verge resp_add_header
func respAddHeader(req uint32, name unsafe.Pointer, nameLen uint32, value unsafe.Pointer, valueLen uint32) int32

//go:wasmimport verge resp_write
func respWrite(req uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge log
func hostLog(level int32, msg unsafe.Pointer, msgLen uint32) int32

//go:wasmimport verge env_get
func envGet(name unsafe.Pointer, nameLen uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge kv_get
func kvGet(ns unsafe.Pointer, nsLen uint32, key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport verge kv_put
func kvPut(ns unsafe.Pointer, nsLen uint32, key unsafe.Pointer, keyLen uint32, value unsafe.Pointer, valueLen uint32, ttl uint32) int32

//go:wasmimport verge kv_delete
func kvDelete(ns unsafe.Pointer, nsLen uint32, key unsafe.Pointer, keyLen uint32) int32

//go:wasmimport verge kv_list
func kvList(ns unsafe.Pointer, nsLen uint32, prefix unsafe.Pointer, prefixLen uint32, cursor unsafe.Pointer, cursorLen uint32, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmexport verge_abi_version
func exportABIVersion() int32 { return abiVersion }

//go:wasmexport verge_handle
func exportHandle(req uint32) int32 { return handle(req) }

const onHost = true

func sp(s string) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}
func bp(b []byte) (unsafe.Pointer, uint32) {
	return unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b))
}

func hostReqMethod(req uint32, buf []byte) int32 {
	p, n := bp(buf)
	return reqMethod(req, p, n)
}

func hostReqURL(req uint32, buf []byte) int32 {
	p, n := bp(buf)
	return reqURL(req, p, n)
}

func hostReqHeaders(req uint32, buf []byte) int32 {
	p, n := bp(buf)
	return reqHeaders(req, p, n)
}

func hostReqInfo(req uint32, key string, buf []byte) int32 {
	kp, kn := sp(key)
	p, n := bp(buf)
	return reqInfo(req, kp, kn, p, n)
}

func hostReqBodyRead(req uint32, buf []byte) int32 {
	p, n := bp(buf)
	return reqBodyRead(req, p, n)
}

func hostRespSetStatus(req uint32, status int) int32 { return respSetStatus(req, uint32(status)) }

func hostRespAddHeader(req uint32, name, value string) int32 {
	np, nn := sp(name)
	vp, vn := sp(value)
	return respAddHeader(req, np, nn, vp, vn)
}

func hostRespWrite(req uint32, buf []byte) int32 {
	p, n := bp(buf)
	return respWrite(req, p, n)
}

func hostLogMsg(level int32, msg string) int32 {
	p, n := sp(msg)
	return hostLog(level, p, n)
}

func hostEnvGet(name string, buf []byte) int32 {
	np, nn := sp(name)
	p, n := bp(buf)
	return envGet(np, nn, p, n)
}

func hostKVGet(ns, key string, buf []byte) int32 {
	np, nn := sp(ns)
	kp, kn := sp(key)
	p, n := bp(buf)
	return kvGet(np, nn, kp, kn, p, n)
}

func hostKVPut(ns, key string, value []byte, ttl uint32) int32 {
	np, nn := sp(ns)
	kp, kn := sp(key)
	p, n := bp(value)
	return kvPut(np, nn, kp, kn, p, n, ttl)
}

func hostKVDelete(ns, key string) int32 {
	np, nn := sp(ns)
	kp, kn := sp(key)
	return kvDelete(np, nn, kp, kn)
}

func hostKVList(ns, prefix, cursor string, buf []byte) int32 {
	np, nn := sp(ns)
	pp, pn := sp(prefix)
	cp, cn := sp(cursor)
	p, n := bp(buf)
	return kvList(np, nn, pp, pn, cp, cn, p, n)
}
