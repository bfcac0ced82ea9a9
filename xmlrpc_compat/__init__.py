"""LAVA's XML-RPC API at ``/RPC2``, translated into resolver invocations.

One module per LAVA namespace (``system``, ``scheduler``, ``scheduler.jobs``...); each
method turns its positional arguments into resolver calls and reshapes the result as
LAVA answers. No method queries the database or checks a permission itself.
"""
