const helper = require("./helper");

module.exports = {
  handler(event) {
    return helper.greet(event.name);
  },
};
