// The global Buffer. The bundler adds this module only to workers whose
// code mentions Buffer, and Buffer's module is evaluated on first use of
// the global, so a worker that never touches it does not pay for it.
"use strict";
Object.defineProperty(globalThis, "Buffer", {
  configurable: true,
  enumerable: false,
  get() {
    const { Buffer } = require("node:buffer");
    Object.defineProperty(globalThis, "Buffer", { value: Buffer, writable: true, configurable: true, enumerable: false });
    return Buffer;
  },
  set(value) {
    Object.defineProperty(globalThis, "Buffer", { value, writable: true, configurable: true, enumerable: false });
  },
});
