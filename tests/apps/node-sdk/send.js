// Test app: sends ORDER_COUNT orders through a Kafka output binding with @dapr/dapr's
// DaprClient (HTTP), one after the other, and exits when every send was acknowledged.
const { DaprClient, CommunicationProtocolEnum } = require("@dapr/dapr");

const binding = process.env.BINDING_NAME;
const count = Number(process.env.ORDER_COUNT || "10");

async function main() {
  const client = new DaprClient({ communicationProtocol: CommunicationProtocolEnum.HTTP });
  await client.start(); // polls the sidecar until it answers
  for (let id = 1; id <= count; id++) {
    await client.binding.send(binding, "create", { orderId: id }, { partitionKey: "orders" });
    console.log(`SENT ${id}`);
  }
  const metadata = await client.metadata.get();
  console.log(`METADATA ${JSON.stringify(metadata.components)}`);
  await client.stop();
}

main().catch((err) => {
  console.error(`FAILED ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
