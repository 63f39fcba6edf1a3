"""Models of assignment 3: the image-captioning RNN/LSTM (classifiers/rnn.py)."""
