print("genrekit")
