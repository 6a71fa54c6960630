//! Files that pull images: compose, Kubernetes, kustomizations, Helm, Makefiles, scripts.
