// finish.js runs last in the prelude: it hides the internals from worker
// code. Prelude scripts captured `verge` in their closures already.
(function () {
  "use strict";
  delete globalThis.__verge;
})();
