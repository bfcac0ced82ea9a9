"""The test-result exports of every door, written as LAVA writes them.

Pure functions and small layouts: they take rows (:mod:`gql_server.exports.rows`) and
give text chunks; they never read the database. The resolvers read the rows of a visible
job or suite in batches, :func:`gql_server.exports.render.render_batches` turns those
batches into chunks for a streaming response, and a door that answers in one piece joins
them (:func:`gql_server.exports.render.collect`).

* :mod:`~gql_server.exports.records`: the export record of a test case and of a suite;
* :mod:`~gql_server.exports.csv_layouts`: CSV of cases and of suites;
* :mod:`~gql_server.exports.yaml_layouts`: YAML of cases and of suites;
* :mod:`~gql_server.exports.tap13` and :mod:`~gql_server.exports.junit`: TAP 13 and JUnit
  XML of a job, quoting failed cases' log lines (:mod:`~gql_server.exports.logs`);
* :mod:`~gql_server.exports.fast_yaml`: PyYAML's output for the common simple shapes,
  written and read directly.
"""
