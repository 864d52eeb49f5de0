"""Code generation: a recorded session as an editable test module."""

from channels_replay.codegen.testcase import CodegenOptions, generate_testcase

__all__ = ["CodegenOptions", "generate_testcase"]
