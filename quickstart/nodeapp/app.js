// Input-binding side of the bindings quickstart. The sidecar (daprlite or daprd) reads Kafka
// topic `sample` and POSTs each message to the route named after the component: /sample-topic.
const express = require("express");

const port = Number(process.env.APP_PORT ?? 3000);
const app = express();
app.use(express.json());

// Only POST is routed: Express answers the sidecar's OPTIONS probe with 200 and an Allow header,
// which tells the sidecar the app is subscribed to this binding.
app.post("/sample-topic", (req, res) => {
  console.log("Hello from Kafka!");
  console.log(req.body); // e.g. { orderId: 1 }
  res.sendStatus(200);
});

app.listen(port, () => console.log(`Node App listening on port ${port}!`));
