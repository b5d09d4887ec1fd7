# vendored
