# docker build -t bindings-pythonapp:latest -f deploy/pythonapp.Dockerfile pythonapp   (from quickstart/)
FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY app.py ./
CMD ["python", "app.py"]
