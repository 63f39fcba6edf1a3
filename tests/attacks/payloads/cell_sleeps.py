# gkatk: a cell that sleeps for an hour (it uses no CPU)
import time

time.sleep(3600)
