"""RabbitMQ binding (input and output) on aio-pika: publisher confirms, ordered delivery."""
