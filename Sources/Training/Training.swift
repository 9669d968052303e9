import ModelRepo
