// Test app: receives a Kafka input binding with @dapr/dapr's DaprServer (HTTP) and prints one
// line per event, in the order the sidecar delivered them.
const { DaprServer, CommunicationProtocolEnum } = require("@dapr/dapr");

const binding = process.env.BINDING_NAME;

async function main() {
  const server = new DaprServer({
    serverHost: "127.0.0.1",
    serverPort: process.env.APP_PORT,
    communicationProtocol: CommunicationProtocolEnum.HTTP,
  });
  await server.binding.receive(binding, async (data) => {
    console.log(`GOT ${JSON.stringify(data)}`);
  });
  await server.start(); // listens first, then waits for the sidecar
  console.log("RECEIVER STARTED");
}

main().catch((err) => {
  console.error(`FAILED ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
