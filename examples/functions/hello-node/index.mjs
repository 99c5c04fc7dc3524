// A Node.js function: an ES module whose handler greets, and says which
// Node.js runs it. No function.json: the runtime is the host's nodejsN.x,
// the handler index.handler.
export const handler = async (event, context) => {
  console.log("greeting", event.name ?? "World");
  return {
    message: `Hello, ${event.name ?? "World"}!`,
    node: process.version,
    requestId: context.awsRequestId,
  };
};
