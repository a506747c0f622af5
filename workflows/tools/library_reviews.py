def processes():
    return []
