# A host configuration for the cluster cases.
{ }
