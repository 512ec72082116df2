-- The table the batch app fills: `psql -h localhost -U postgres -c 'CREATE DATABASE orders'`,
-- then `psql -h localhost -U postgres -d orders -f orders.sql`.
CREATE TABLE IF NOT EXISTS orders (
  orderid  integer PRIMARY KEY,
  customer text    NOT NULL,
  price    numeric NOT NULL
);
