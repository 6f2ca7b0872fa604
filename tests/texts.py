"""Short original texts in several scripts for the recipe tests (written for ftcook; no copyright issues)."""

ZH = [
    "清晨的港口很安静，渔船在绳索旁轻轻摇晃。老渔夫坐在码头上，慢慢地修补他的渔网。",
    "她沿着河岸走了很久，一边走一边数着岸边还亮着的灯笼。天快亮的时候，风渐渐停了。",
    "“你今天还出海吗？”年轻人问道。老人笑了笑，说：“海上的事情，谁也说不准。”",
    "村子里的孩子们最喜欢听他讲故事。每到晚上，他们就围坐在火堆旁，听他讲远方的岛屿和奇怪的鱼。",
]
JA = [
    "朝の港はとても静かで、漁船はロープのそばで静かに揺れていた。年老いた漁師は桟橋に座り、網を繕っていた。",
    "彼女は川沿いを長い間歩き、まだ灯っている提灯を数えた。夜が明けるころ、風はだんだん弱くなった。",
    "「今日も海に出るのですか」と若者が尋ねた。老人は笑って、「海のことは誰にも分からない」と答えた。",
]
RU = [
    "Утренняя гавань была тихой, и лодки мягко покачивались у причала. Старый рыбак сидел на пирсе и чинил сети.",
    "Она долго шла вдоль реки и считала фонари, которые ещё горели на берегу. К рассвету ветер совсем стих.",
    "«Ты сегодня снова выйдешь в море?» — спросил молодой человек. Старик улыбнулся и ничего не ответил.",
]
AR = [
    "كان الميناء هادئًا في الصباح الباكر، وكانت القوارب تتمايل بهدوء قرب الرصيف. جلس الصياد العجوز يصلح شباكه.",
    "مشت طويلًا على ضفة النهر وهي تعدّ الفوانيس التي ما زالت مضاءة. ومع بزوغ الفجر هدأت الريح تمامًا.",
]
EN = [
    "The harbour was quiet before dawn, and the boats rocked gently against their ropes. The old fisherman sat "
    "on the pier, mending his nets.",
    "She walked along the river for a long time, counting the lanterns that still burned on the bank. By "
    "daybreak the wind had dropped completely.",
    "\"Are you going out again today?\" the young man asked. The old man smiled and said nothing at all.",
]
