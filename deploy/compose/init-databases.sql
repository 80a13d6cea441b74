-- Run once by the postgres image on an empty data directory: one database per service.
CREATE DATABASE credit_policy;
CREATE DATABASE invoicing;
CREATE DATABASE collections;
CREATE DATABASE notifications;
CREATE DATABASE analytics;
