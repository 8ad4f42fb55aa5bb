-- Schemas of the warehouse: raw (as fetched), staging (parsed and extracted), marts (dbt, read by BI).
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists marts;
