# The project's Airflow image: the official Airflow 3.3 image plus this package and its pinned deps.
FROM apache/airflow:3.3.2-python3.11

USER root
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
USER airflow

WORKDIR /opt/vnict
COPY --chown=airflow:root pyproject.toml constraints.txt README.md ./
COPY --chown=airflow:root vnict ./vnict
COPY --chown=airflow:root scrapers ./scrapers
COPY --chown=airflow:root extraction ./extraction
COPY --chown=airflow:root warehouse ./warehouse
COPY --chown=airflow:root portal_mirror ./portal_mirror
COPY --chown=airflow:root reference ./reference
COPY --chown=airflow:root sql ./sql
COPY --chown=airflow:root dbt_project ./dbt_project
COPY --chown=airflow:root dags ./dags
RUN pip install --no-cache-dir -c constraints.txt -e .
# The dbt build task starts from this parse (and VNICT_DBT_EXECUTION=watcher renders the DAGs from its
# manifest, so parsing a DAG never runs dbt): write it into the image.
RUN AIRFLOW_CONN_WAREHOUSE=postgresql://vnict@warehouse:5432/vnict \
    python -c "from vnict.dbt_tasks import ensure_dbt_manifest; ensure_dbt_manifest()"

ENV VNICT_STATE_DIR=/opt/airflow/vnict-state \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/vnict/dags
