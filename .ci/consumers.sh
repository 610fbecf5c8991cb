#!/usr/bin/env bash
# The consumer projects (consumers/*): each is a separate Maven project that does not inherit Fusion's
# parent and sees only the BOM and the artifacts installed here, as a user's build would. Each fails on a
# dependency conflict (Maven Enforcer dependencyConvergence) and on a wrong answer.
# Extra Maven flags (e.g. -Dmaven.repo.local=...) can be passed as arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
mvn -B -ntp "$@" install -DskipTests -Dmaven.javadoc.skip -Dmaven.source.skip
for consumer in plain-java langchain4j redis-sharing spring-boot-ai; do
  echo "== consumer: $consumer"
  mvn -B -ntp "$@" -f "consumers/$consumer/pom.xml" verify
done
echo "consumers: $(( $(date +%s) - start )) s"
