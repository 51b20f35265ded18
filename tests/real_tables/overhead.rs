//! KubeVirt `GetMemoryOverhead` and Harvester resourcequota tables (to be ported).
