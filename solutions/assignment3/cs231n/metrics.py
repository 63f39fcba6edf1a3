"""
BLEU-1: how well sampled captions match the human captions of the same image (provided code).

BLEU (Papineni et al., 2002) compares the words of a candidate sentence with those of one or
more reference sentences. BLEU-1 uses single words only (unigrams), as the course's captioning
evaluation does (NLTK `sentence_bleu` with weights [1]):

    BLEU-1 = BP * p1

- p1 is the clipped unigram precision: each candidate word counts as correct at most as many
  times as it occurs in the reference that uses it most often (so "a a a a" cannot score well
  against "a cat"), divided by the number of candidate words.
- BP is the brevity penalty, exp(1 - r / c) when the candidate (c words) is not longer than the
  reference closest to it in length (r words; the shorter one on a tie), and 1 otherwise: without
  it, a one-word caption containing a single safe word would have precision 1.

The special tokens <NULL>, <START> and <END> are not words and are ignored.
"""
from collections import Counter

import numpy as np

SPECIAL_TOKENS = ('<NULL>', '<START>', '<END>')
NULL, START, END = 0, 1, 2  # their indices in the vocabulary


def caption_words(caption):
    """
    The words of one caption, without special tokens, ending at the first <END>.

    `caption` is a string of space-separated words (as decode_captions returns), a sequence of
    word strings, or a sequence of integer word indices (a row of a captions array).
    """
    if isinstance(caption, str):
        caption = caption.split()
    words = []
    for word in np.asarray(caption).ravel().tolist():
        if word in ('<END>', END):
            break
        if word not in SPECIAL_TOKENS and word not in (NULL, START):
            words.append(word)
    return words


def bleu1(reference_captions, candidate):
    """
    Sentence BLEU-1 of one candidate caption against all the reference captions of its image.

    Inputs:
    - reference_captions: a list (or 2-D integer array) of the image's human captions, each in
      any form caption_words accepts.
    - candidate: the caption to score, in the same form as the references (words are only
      compared with words and indices with indices, so mixing the two is an error).

    Returns a float in [0, 1]; 0.0 for an empty candidate or no references.
    """
    references = [caption_words(ref) for ref in reference_captions]
    words = caption_words(candidate)
    kinds = {type(w) is str for caption in references + [words] for w in caption}
    if len(kinds) > 1:
        raise TypeError('bleu1: give the references and the candidate in the same form '
                        '(all decoded strings or all integer word indices)')
    if not words or not references:
        return 0.0
    max_ref_counts = Counter()
    for ref in references:
        for word, count in Counter(ref).items():
            max_ref_counts[word] = max(max_ref_counts[word], count)
    clipped = sum(min(count, max_ref_counts[word]) for word, count in Counter(words).items())
    precision = clipped / len(words)

    c = len(words)
    r = min((len(ref) for ref in references), key=lambda n: (abs(n - c), n))
    brevity_penalty = 1.0 if c > r else float(np.exp(1 - r / c))
    return brevity_penalty * precision


def mean_bleu1(references_per_image, candidates):
    """
    The average sentence BLEU-1 over images.

    Inputs:
    - references_per_image: a list whose i-th entry holds all reference captions of image i.
    - candidates: the i-th entry is the caption sampled for image i.
    """
    scores = [bleu1(refs, cand) for refs, cand in zip(references_per_image, candidates)]
    return float(np.mean(scores)) if scores else 0.0


def references_by_image(captions, image_idxs):
    """
    Group a split's captions by image.

    Inputs:
    - captions: integer array (M, T), e.g. data['val_captions']
    - image_idxs: integer array (M,), the image of each caption, e.g. data['val_image_idxs']

    Returns (images, references): the sorted distinct image indices, and for each of them the
    array of its captions (k, T).
    """
    order = np.argsort(image_idxs, kind='stable')
    images, starts = np.unique(image_idxs[order], return_index=True)
    groups = np.split(captions[order], starts[1:])
    return images, groups
