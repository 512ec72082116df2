# docker build -t bindings-nodeapp:latest -f deploy/nodeapp.Dockerfile nodeapp   (from quickstart/)
FROM node:20-alpine
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY app.js ./
EXPOSE 3000
CMD ["node", "app.js"]
