// The globals every worker with nodejs_compat gets: process, completed
// from node:process. (Buffer is in buffer_global.js.)
"use strict";
require("node:process");
