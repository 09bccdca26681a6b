// Lambda@Edge style.
exports.handler = async (event, context) => {
  return { status: "200", body: "hello from cjs" };
};
