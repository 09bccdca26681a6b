package engine

import "io"

// resources is the VM's table of host objects that JavaScript refers to by
// number (request bodies, subrequest responses, crypto keys), as Deno's
// resource ids. Ids are never reused within a VM.
type resources struct {
	next  int
	table map[int]any
}

// AddResource stores r and returns its id.
func (vm *VM) AddResource(r any) int {
	t := &vm.resources
	if t.table == nil {
		t.table = map[int]any{}
	}
	t.next++
	t.table[t.next] = r
	return t.next
}

// Resource returns the resource with the given id.
func (vm *VM) Resource(id int) (any, bool) {
	r, ok := vm.resources.table[id]
	return r, ok
}

// CloseResource removes the resource and closes it if it is an io.Closer.
func (vm *VM) CloseResource(id int) {
	r, ok := vm.resources.table[id]
	if !ok {
		return
	}
	delete(vm.resources.table, id)
	if c, ok := r.(io.Closer); ok {
		c.Close()
	}
}

// ResourceCount reports how many resources are open (for leak tests).
func (vm *VM) ResourceCount() int { return len(vm.resources.table) }

func (t *resources) closeAll() {
	for id, r := range t.table {
		delete(t.table, id)
		if c, ok := r.(io.Closer); ok {
			c.Close()
		}
	}
}
