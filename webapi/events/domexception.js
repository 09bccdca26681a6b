// DOMException (WebIDL §2.8): name, message and the legacy code, with
// Error.prototype on its prototype chain so that `instanceof Error` holds and
// Error.prototype.toString prints "Name: message".
(function (verge) {
  "use strict";
  const { internals } = verge;

  // The WebIDL error names table: name -> legacy code. Names that are not in
  // the table (EncodingError, NotReadableError, DataError, OperationError,
  // NotAllowedError, ...) have code 0, and so do the three historical names
  // whose constants remain (DOMSTRING_SIZE_ERR, NO_DATA_ALLOWED_ERR,
  // VALIDATION_ERR), as the table and Node.js say.
  const CODES = {
    __proto__: null,
    IndexSizeError: 1,
    HierarchyRequestError: 3,
    WrongDocumentError: 4,
    InvalidCharacterError: 5,
    NoModificationAllowedError: 7,
    NotFoundError: 8,
    NotSupportedError: 9,
    InUseAttributeError: 10,
    InvalidStateError: 11,
    SyntaxError: 12,
    InvalidModificationError: 13,
    NamespaceError: 14,
    InvalidAccessError: 15,
    TypeMismatchError: 17,
    SecurityError: 18,
    NetworkError: 19,
    AbortError: 20,
    URLMismatchError: 21,
    QuotaExceededError: 22,
    TimeoutError: 23,
    InvalidNodeTypeError: 24,
    DataCloneError: 25,
  };
  const CONSTANTS = {
    INDEX_SIZE_ERR: 1,
    DOMSTRING_SIZE_ERR: 2,
    HIERARCHY_REQUEST_ERR: 3,
    WRONG_DOCUMENT_ERR: 4,
    INVALID_CHARACTER_ERR: 5,
    NO_DATA_ALLOWED_ERR: 6,
    NO_MODIFICATION_ALLOWED_ERR: 7,
    NOT_FOUND_ERR: 8,
    NOT_SUPPORTED_ERR: 9,
    INUSE_ATTRIBUTE_ERR: 10,
    INVALID_STATE_ERR: 11,
    SYNTAX_ERR: 12,
    INVALID_MODIFICATION_ERR: 13,
    NAMESPACE_ERR: 14,
    INVALID_ACCESS_ERR: 15,
    VALIDATION_ERR: 16,
    TYPE_MISMATCH_ERR: 17,
    SECURITY_ERR: 18,
    NETWORK_ERR: 19,
    ABORT_ERR: 20,
    URL_MISMATCH_ERR: 21,
    QUOTA_EXCEEDED_ERR: 22,
    TIMEOUT_ERR: 23,
    INVALID_NODE_TYPE_ERR: 24,
    DATA_CLONE_ERR: 25,
  };

  // captureStack returns the current stack without its first frames, which
  // are in this file: callers care about where the exception was made.
  function captureStack() {
    let s = new Error().stack;
    if (typeof s !== "string") return "";
    for (let nl = s.indexOf("\n"); nl >= 0 && s.lastIndexOf("ext:events/domexception.js", nl) >= 0; nl = s.indexOf("\n")) {
      s = s.slice(nl + 1);
    }
    return s;
  }

  class DOMException {
    #name;
    #message;

    // new DOMException(message = "", name = "Error"), both DOMStrings.
    constructor(message = undefined, name = undefined) {
      this.#message = message === undefined ? "" : `${message}`;
      this.#name = name === undefined ? "Error" : `${name}`;
      // QuickJS stacks have no "Name: message" header line; keep that shape.
      Object.defineProperty(this, "stack", { value: captureStack(), writable: true, configurable: true, enumerable: false });
    }

    get name() {
      if (!isDOMException(this)) throw new TypeError("Illegal invocation");
      return this.#name;
    }
    get message() {
      if (!isDOMException(this)) throw new TypeError("Illegal invocation");
      return this.#message;
    }
    get code() {
      if (!isDOMException(this)) throw new TypeError("Illegal invocation");
      return CODES[this.#name] ?? 0;
    }

    static isDOMException(x) { return #name in x; }
    static parts(x) { return { name: x.#name, message: x.#message }; }
  }
  const brand = DOMException.isDOMException;
  const isDOMException = (x) => x !== null && typeof x === "object" && brand(x);
  const parts = DOMException.parts;
  delete DOMException.isDOMException;
  delete DOMException.parts;

  Object.setPrototypeOf(DOMException.prototype, Error.prototype);
  Object.defineProperty(DOMException.prototype, Symbol.toStringTag, { value: "DOMException", configurable: true });
  for (const [k, v] of Object.entries(CONSTANTS)) {
    Object.defineProperty(DOMException, k, { value: v, enumerable: true });
    Object.defineProperty(DOMException.prototype, k, { value: v, enumerable: true });
  }
  for (const k of ["name", "message", "code"]) {
    const d = Object.getOwnPropertyDescriptor(DOMException.prototype, k);
    d.enumerable = true;
    Object.defineProperty(DOMException.prototype, k, d);
  }

  verge.expose({ DOMException });
  internals.domexception = {
    // is(x): x is a real DOMException (brand check, not instanceof).
    is: isDOMException,
    // parts(e): {name, message} of a DOMException (for structuredClone).
    parts,
    // codeOf(name): the legacy code of an error name (0 when none).
    codeOf: (name) => CODES[name] ?? 0,
  };
})(globalThis.__verge);
