"""server.properties and the log4j2 config for one node: a single combined broker+controller,
or one node of a local cluster (pure text)."""

from __future__ import annotations

from daprlite.localkafka.listeners import listener_properties
from daprlite.localkafka.settings import BrokerSettings
from daprlite.localkafka.topology import Cluster, min_insync_replicas, replication_factor

NODE_ID = 1


def server_properties(settings: BrokerSettings) -> dict[str, str]:
    """The broker's configuration; every value a single-node development broker needs."""
    host, port, cport = settings.host, settings.port, settings.quorum_port
    # Secured listeners come after the plain one, which brokers and controllers keep using.
    urls = "".join(f",{x.name}://{host}:{x.port}" for x in settings.listeners)
    protocols = "".join(f",{x.name}:{x.protocol}" for x in settings.listeners)
    props = {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        # A static voter set: one node, nothing to reconfigure, and formatting needs no quorum.
        "controller.quorum.voters": f"{NODE_ID}@{host}:{cport}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}{urls}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}{urls}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": f"PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT{protocols}",
        "log.dirs": str(settings.data_dir),
        "auto.create.topics.enable": "true",
        "num.partitions": "1",
        "default.replication.factor": "1",
        # Internal topics default to 3 replicas, which a single node can never satisfy.
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # The first consumer of a group gets its partitions at once instead of after 3 s.
        "group.initial.rebalance.delay.ms": "0",
        # Fewer, smaller files: a development broker keeps little data.
        "offsets.topic.num.partitions": "10",
        "log.segment.bytes": str(64 * 1024 * 1024),
        "log.retention.hours": "168",
    }
    if settings.cluster is not None:
        props.update(_cluster_properties(settings, settings.cluster))
    props.update(listener_properties(settings.listeners, settings.users))
    props.update(dict(settings.extra_properties))
    return props


def _cluster_properties(settings: BrokerSettings, cluster: Cluster) -> dict[str, str]:
    """What changes for node `settings.node_id` of a cluster: its id, roles and listeners, the
    shared voter set, and replication that follows the cluster's size."""
    host, port, cport = settings.host, settings.port, settings.quorum_port
    listeners = f"PLAINTEXT://{host}:{port}"
    if settings.is_controller:
        listeners += f",CONTROLLER://{host}:{cport}"
    replicas = str(replication_factor(cluster.size))
    min_isr = str(min_insync_replicas(cluster.size))
    return {
        "process.roles": settings.roles,
        "node.id": str(settings.node_id),
        "controller.quorum.voters": cluster.voters,
        "listeners": listeners,
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        # Topics made by auto-creation or without a replication factor get these; with acks=all
        # a write is acknowledged only once min.insync.replicas nodes hold it.
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
    }


def render_properties(props: dict[str, str]) -> str:
    lines = ["# Written by daprlite at every start; edits are overwritten."]
    lines += [f"{key}={_escape(value)}" for key, value in props.items()]
    return "\n".join(lines) + "\n"


def _escape(value: str) -> str:
    # Java properties treat backslashes as escapes (Windows paths, mostly); a value spans one
    # line, so the line breaks of inline PEM certificates are written as \n.
    return value.replace("\\", "\\\\").replace("\n", "\\n")


LOG4J2_PROPERTIES = """\
# The broker logs to stdout, which daprlite sends to the log file next to this one.
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
"""
