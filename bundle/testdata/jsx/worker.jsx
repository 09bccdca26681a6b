/** @jsx h */
function h(tag, props, ...children) {
  return "<" + tag + ">" + children.join("") + "</" + tag + ">";
}

export default {
  fetch() {
    return <p>hello <b>jsx</b></p>;
  },
};
