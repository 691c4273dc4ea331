#!/bin/sh
# Starts one Kafka Connect distributed worker.
#   CONNECT_WORKER_PROPERTIES  the worker settings, rendered at synth by kafka_platform.domain.connect_worker
#   KAFKA_BOOTSTRAP_SERVERS    the MSK brokers (IAM, port 9098)
#   CONNECT_HOME               where the image installed Connect (/opt/connect)
#   KAFKA_HEAP_OPTS            JVM heap, e.g. -Xms3g -Xmx3g
#   CONNECT_REST_JAAS          the JAAS file of the REST API's basic authentication (no secret in it)
#   CONNECT_REST_USERNAME, CONNECT_REST_PASSWORD, CONNECT_REST_STANDBY_USERNAME, CONNECT_REST_STANDBY_PASSWORD
#                              the REST API's two users (kafka_platform/lambda/rest_access.py), from Secrets Manager
#                              (ECS secrets); written to files only the worker's user can read, and kept from
#                              connectors (the config provider's allowlist)
#   CONNECT_REST_HOST, CONNECT_REST_CA_KEYSTORE, CONNECT_REST_CA_KEYSTORE_PASSWORD, CONNECT_REST_CERTIFICATES
#                              the REST listener's TLS (rest-tls.sh): its DNS name, the cluster's certificate
#                              authority, and the authorities to trust
# Each worker advertises its own task IP: followers forward REST requests to the leader at that address.
set -eu
: "${CONNECT_WORKER_PROPERTIES:?the worker settings are missing}"
: "${KAFKA_BOOTSTRAP_SERVERS:?the bootstrap servers are missing}"
: "${CONNECT_REST_JAAS:?the REST API's JAAS configuration is missing}"
: "${CONNECT_REST_USERNAME:?the REST API's user is missing}"
: "${CONNECT_REST_PASSWORD:?the REST API's password is missing}"
: "${CONNECT_REST_STANDBY_USERNAME:?the REST API's standby user is missing}"
: "${CONNECT_REST_STANDBY_PASSWORD:?the REST API's standby password is missing}"

advertised_host() {
  ip=""
  if [ -n "${ECS_CONTAINER_METADATA_URI_V4:-}" ]; then
    ip="$(curl -fsS "${ECS_CONTAINER_METADATA_URI_V4}" | tr -d ' \n' \
          | sed -n 's/.*"IPv4Addresses":\["\([0-9.]*\)".*/\1/p' | head -n 1)" || ip=""
  fi
  # In awsvpc mode the task's host name resolves to its ENI address.
  [ -n "$ip" ] || ip="$(hostname -i | tr ' ' '\n' | grep -E '^[0-9.]+$' | head -n 1)"
  printf '%s' "$ip"
}

HOST="$(advertised_host)"
: "${HOST:?cannot find this task's IP address}"
HOME_DIR="${CONNECT_HOME:-/opt/connect}"
mkdir -p /tmp/connect
CONFIG="$HOME_DIR/config"
PROPERTIES=$CONFIG/worker.properties
umask 077
printf '%s' "$CONNECT_REST_JAAS" > "$CONFIG/rest-jaas.conf"
printf '%s=%s\n%s=%s\n' "$CONNECT_REST_USERNAME" "$CONNECT_REST_PASSWORD" \
  "$CONNECT_REST_STANDBY_USERNAME" "$CONNECT_REST_STANDBY_PASSWORD" > "$CONFIG/rest-credentials.properties"
# The container's health check authenticates with this file (curl -K), never with a password on a command line.
printf 'user = "%s:%s"\n' "$CONNECT_REST_USERNAME" "$CONNECT_REST_PASSWORD" > "$CONFIG/rest-curl.conf"

printf '%s\n' "$CONNECT_WORKER_PROPERTIES" > "$PROPERTIES"
# TLS: a key and certificate of this task's own, issued by the cluster's authority, and the trust store.
HOST="$HOST" sh "$(dirname "$0")/rest-tls.sh" "$CONFIG" "$PROPERTIES"
unset CONNECT_REST_PASSWORD CONNECT_REST_STANDBY_PASSWORD CONNECT_REST_CA_KEYSTORE CONNECT_REST_CA_KEYSTORE_PASSWORD
printf 'bootstrap.servers=%s\nrest.advertised.host.name=%s\n' "$KAFKA_BOOTSTRAP_SERVERS" "$HOST" >> "$PROPERTIES"

exec java ${KAFKA_HEAP_OPTS:--Xms1g -Xmx1g} -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
  -Djava.io.tmpdir=/tmp/connect -Dlog4j2.configurationFile="$HOME_DIR/log4j2.properties" \
  -Djava.security.auth.login.config="$CONFIG/rest-jaas.conf" \
  -cp "$HOME_DIR/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$PROPERTIES"
