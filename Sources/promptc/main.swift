print("promptc")
