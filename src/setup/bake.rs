//! docker buildx bake files (HCL subset and JSON).
