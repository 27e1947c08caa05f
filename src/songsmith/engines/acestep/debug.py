"""The `debug` preset: a tiny ACE-Step 1.5 built from configs in code, with random weights.

Same classes and wiring as the real checkpoint (DiT, condition encoder, Qwen3 text encoder,
Oobleck VAE with the real 1920-sample hop, 5 Hz audio tokenizer/detokenizer), every width cut
down so a CPU runs every mode in a fraction of a second. The audio is noise-like: it tests
plumbing (shapes, masks, batching, progress, errors), not music.
"""

from __future__ import annotations

from typing import Any

LATENT_DIM = 4  # acoustic latent channels (64 in the real VAE)
HIDDEN = 32
_ATTN: dict[str, Any] = dict(
    num_attention_heads=2, num_key_value_heads=1, head_dim=16, sliding_window=8
)


def debug_configs(variant: str) -> dict[str, dict[str, Any]]:
    """Constructor arguments of each component; `variant` is "base" or "turbo"."""
    return {
        "transformer": dict(
            hidden_size=HIDDEN,
            intermediate_size=2 * HIDDEN,
            num_hidden_layers=2,
            # noisy latents + source latents + chunk mask, concatenated on channels
            in_channels=3 * LATENT_DIM,
            audio_acoustic_hidden_dim=LATENT_DIM,
            patch_size=2,
            is_turbo=variant == "turbo",
            model_version=variant,
            **_ATTN,
        ),
        "condition_encoder": dict(
            hidden_size=HIDDEN,
            intermediate_size=2 * HIDDEN,
            text_hidden_dim=HIDDEN,
            timbre_hidden_dim=LATENT_DIM,
            num_lyric_encoder_hidden_layers=1,
            num_timbre_encoder_hidden_layers=1,
            **_ATTN,
        ),
        "audio_tokenizer": dict(
            hidden_size=HIDDEN,
            intermediate_size=2 * HIDDEN,
            audio_acoustic_hidden_dim=LATENT_DIM,
            fsq_dim=HIDDEN,
            num_attention_pooler_hidden_layers=1,
            **_ATTN,
        ),
        "audio_token_detokenizer": dict(
            hidden_size=HIDDEN,
            intermediate_size=2 * HIDDEN,
            audio_acoustic_hidden_dim=LATENT_DIM,
            num_attention_pooler_hidden_layers=1,
            **_ATTN,
        ),
        "text_encoder": dict(
            hidden_size=HIDDEN,
            intermediate_size=2 * HIDDEN,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=16,
            max_position_embeddings=4096,
            tie_word_embeddings=True,
        ),
        "vae": dict(
            # the encoder emits mean and scale: twice the latent width
            encoder_hidden_size=2 * LATENT_DIM,
            downsampling_ratios=[2, 4, 4, 6, 10],  # 1920-sample hop: 25 latents/s at 48 kHz
            channel_multiples=[1, 1, 1, 1, 1],
            decoder_channels=4,
            decoder_input_channels=LATENT_DIM,
            audio_channels=2,
            sampling_rate=48000,
        ),
    }


def build_byte_tokenizer() -> Any:
    """A byte-level tokenizer (one token per UTF-8 byte) standing in for Qwen's.

    Qwen's vocabulary files cannot be fetched here; bytes cover any lyric in any language, and
    `<|endoftext|>` stays one special token as the pipeline's prompt templates expect.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {symbol: index for index, symbol in enumerate(alphabet)}
    vocab["<|endoftext|>"] = len(vocab)
    core = Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        padding_side="left",
        model_max_length=32768,
    )


def build_debug_pipeline(variant: str = "base", seed: int = 0) -> Any:
    """An `AceStepPipeline` (fp32, CPU) with deterministic random weights."""
    import torch
    from diffusers import AceStepPipeline, AutoencoderOobleck, FlowMatchEulerDiscreteScheduler
    from diffusers.models.transformers.ace_step_transformer import AceStepTransformer1DModel
    from diffusers.pipelines.ace_step.modeling_ace_step import (
        AceStepAudioTokenDetokenizer,
        AceStepAudioTokenizer,
        AceStepConditionEncoder,
    )
    from transformers import Qwen3Config, Qwen3Model

    if variant not in ("base", "turbo"):
        raise ValueError(f"debug variant must be 'base' or 'turbo', not {variant!r}")
    configs = debug_configs(variant)
    tokenizer = build_byte_tokenizer()
    text_config = Qwen3Config(vocab_size=len(tokenizer), **configs["text_encoder"])
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        pipe = AceStepPipeline(
            transformer=AceStepTransformer1DModel(**configs["transformer"]).eval(),
            condition_encoder=AceStepConditionEncoder(**configs["condition_encoder"]).eval(),
            text_encoder=Qwen3Model(text_config).eval(),
            tokenizer=tokenizer,
            vae=AutoencoderOobleck(**configs["vae"]).eval(),
            # the pipeline passes its own shifted sigmas; the scheduler must use them verbatim
            scheduler=FlowMatchEulerDiscreteScheduler(num_train_timesteps=1, shift=1.0),
            audio_tokenizer=AceStepAudioTokenizer(**configs["audio_tokenizer"]).eval(),
            audio_token_detokenizer=AceStepAudioTokenDetokenizer(
                **configs["audio_token_detokenizer"]
            ).eval(),
        )
    pipe.set_progress_bar_config(disable=True)
    return pipe
