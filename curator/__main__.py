from curator.cli import run

# Guarded: multiprocessing may import the main module in a child process (curator.job_process).
if __name__ == "__main__":
    run()
