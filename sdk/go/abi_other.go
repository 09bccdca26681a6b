//go:build !wasip1

package verge

// Outside wasip1 there is no host: every call reports errUnsupported, so
// that handlers using the package still build and unit test natively.

const onHost = false

func hostReqMethod(uint32, []byte) int32              { return errUnsupported }
func hostReqURL(uint32, []byte) int32                 { return errUnsupported }
func hostReqHeaders(uint32, []byte) int32             { return errUnsupported }
func hostReqInfo(uint32, string, []byte) int32        { return errUnsupported }
func hostReqBodyRead(uint32, []byte) int32            { return errUnsupported }
func hostRespSetStatus(uint32, int) int32             { return errUnsupported }
func hostRespAddHeader(uint32, string, string) int32  { return errUnsupported }
func hostRespWrite(uint32, []byte) int32              { return errUnsupported }
func hostLogMsg(int32, string) int32                  { return errUnsupported }
func hostEnvGet(string, []byte) int32                 { return errUnsupported }
func hostKVGet(string, string, []byte) int32          { return errUnsupported }
func hostKVPut(string, string, []byte, uint32) int32  { return errUnsupported }
func hostKVDelete(string, string) int32               { return errUnsupported }
func hostKVList(string, string, string, []byte) int32 { return errUnsupported }
